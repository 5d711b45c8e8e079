// Package msgcontent decodes the content of an OpenAI chat message, which
// the API takes either as a string or as a list of typed parts (text,
// image_url, input_audio...). The token counter, the viewer and the fake
// OpenAI server each turn a content into text their own way (parts
// joined by newlines or spaces, images shown or skipped); the decoding is
// here so that the three read the same shapes.
package msgcontent

import "encoding/json"

// Part is the part of a content part every reader needs. A reader that
// needs more fields embeds it in its own struct and decodes into that.
type Part struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Decode returns a content given as a string as text, or one given as a
// list as parts, decoded into P. An absent or null content is the empty
// string. ok is false when raw is neither a string nor a list of P.
func Decode[P any](raw json.RawMessage) (text string, parts []P, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil, true
	}
	if json.Unmarshal(raw, &parts) == nil {
		return "", parts, true
	}
	return "", nil, false
}

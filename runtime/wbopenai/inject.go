package wbopenai

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// injectUsage returns the request to send for a chat or completion stream:
// when the user did not ask for stream_options.include_usage it is a copy
// of req whose JSON body asks for it, so the stream's usage is exact; the
// extra usage chunk is removed again before the user reads it (sseBody).
// The user's original body is kept in ev.reqBody for the trace.
func injectUsage(req *http.Request, ev *event) *http.Request {
	rc, err := req.GetBody()
	if err != nil {
		return req
	}
	body, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return req
	}
	ev.reqBody = body
	nb, ok := withIncludeUsage(body)
	if !ok {
		return req
	}
	ev.injected = true
	send := new(http.Request)
	*send = *req
	send.Body = io.NopCloser(bytes.NewReader(nb))
	send.ContentLength = int64(len(nb))
	send.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(nb)), nil }
	return send
}

// withIncludeUsage returns body with stream_options.include_usage set, and
// false when it is set already or the body is not a JSON object. Other
// stream options the user set are kept.
func withIncludeUsage(body []byte) ([]byte, bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top == nil {
		return nil, false
	}
	opts := map[string]json.RawMessage{}
	if raw, ok := top["stream_options"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &opts) != nil || opts == nil {
			return nil, false
		}
		var on bool
		if json.Unmarshal(opts["include_usage"], &on) == nil && on {
			return nil, false
		}
	}
	opts["include_usage"] = json.RawMessage("true")
	raw, err := json.Marshal(opts)
	if err != nil {
		return nil, false
	}
	top["stream_options"] = raw
	out, err := json.Marshal(top)
	if err != nil {
		return nil, false
	}
	return out, true
}

// rejectedOption tells whether resp is a server's refusal of the
// stream_options we added (some OpenAI-compatible servers answer 400 to
// unknown parameters). It then consumes and closes the body, which the
// user will never see.
func rejectedOption(resp *http.Response) bool {
	if resp.StatusCode != http.StatusBadRequest || resp.Body == nil {
		return false
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if !bytes.Contains(b, []byte("stream_options")) && !bytes.Contains(b, []byte("include_usage")) {
		// Not ours: give the user the body it would have read.
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
		return false
	}
	resp.Body.Close()
	return true
}

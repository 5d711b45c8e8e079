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
//
// This runs on the caller's path, before the request is sent, so the
// common case (no stream_options at all) costs one read of the body and
// one copy with the option spliced in, not a JSON decode and encode.
func injectUsage(req *http.Request, ev *event) *http.Request {
	rc, err := req.GetBody()
	if err != nil {
		return req
	}
	// Room past the body for the copy with the option spliced in: one
	// allocation for both.
	body, err := readBody(rc, req.ContentLength, req.ContentLength+int64(len(usageOption))+2)
	rc.Close()
	if err != nil {
		return req
	}
	room := body[len(body):len(body):cap(body)]
	body = body[:len(body):len(body)]
	ev.reqBody = body
	nb, ok := withIncludeUsage(body, room)
	if !ok {
		return req
	}
	ev.injected = true
	sr := new(splicedRequest)
	sr.req = *req
	sr.body.Reset(nb)
	send := &sr.req
	// io.NopCloser of a *bytes.Reader, as http.NewRequest makes it: a body
	// net/http knows to be in memory (isKnownInMemoryReader in
	// net/http/transfer.go) goes out in one write with the headers. A body
	// type of ours made it flush the headers first: two writes, and two
	// TCP segments for the server to wait for, on every stream.
	send.Body = io.NopCloser(&sr.body)
	send.ContentLength = int64(len(nb))
	send.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(nb)), nil
	}
	return send
}

// splicedRequest is the request sent with include_usage and its body
// reader in one allocation, as they live and die together.
type splicedRequest struct {
	req  http.Request
	body bytes.Reader
}

// readBody reads a request body whose length is known in one buffer of
// that size, plus extra bytes of room past it; io.ReadAll would regrow
// its buffer a few times on the way. The result's capacity ends where
// the extra room does.
func readBody(rc io.Reader, size, extra int64) ([]byte, error) {
	if size <= 0 || size > captureLimit {
		return io.ReadAll(rc)
	}
	// One byte more than announced, so a longer body is noticed.
	buf := make([]byte, size+1+extra)
	b := buf[:size+1]
	n, err := io.ReadFull(rc, b)
	switch err {
	case io.ErrUnexpectedEOF, io.EOF:
		return buf[: n : n+int(extra)], nil
	case nil:
		// Longer than ContentLength said: read the rest too.
		rest, err := io.ReadAll(rc)
		return append(b, rest...), err
	}
	return nil, err
}

// usageOption is what withIncludeUsage adds to a body without
// stream_options.
const usageOption = `"stream_options":{"include_usage":true}`

// withIncludeUsage returns body with stream_options.include_usage set, and
// false when it is set already or the body is not a JSON object. Other
// stream options the user set are kept. The result goes into room when
// it fits there.
func withIncludeUsage(body, room []byte) ([]byte, bool) {
	c := jcur{b: body}
	end, empty, has := c.topLevel("stream_options")
	if c.fail || has {
		// A body the scanner cannot vouch for is left to the decoder,
		// which also rejects what is not a JSON object.
		return mergeIncludeUsage(body)
	}
	// The option goes last, before the closing brace, so the user's
	// fields keep their order and bytes.
	out := room[:0]
	if n := len(body) + len(usageOption) + 1; cap(out) < n {
		out = make([]byte, 0, n)
	}
	out = append(out, body[:end]...)
	if !empty {
		out = append(out, ',')
	}
	out = append(out, usageOption...)
	return append(out, body[end:]...), true
}

// mergeIncludeUsage sets include_usage in a body that has stream_options
// already (include_usage false, or other options): rare enough to go
// through a decode and an encode.
func mergeIncludeUsage(body []byte) ([]byte, bool) {
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

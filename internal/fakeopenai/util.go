package fakeopenai

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds what the fake reads from one request.
const maxBody = 32 << 20

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	defer r.Body.Close()
	return io.ReadAll(io.LimitReader(r.Body, maxBody))
}

func itoa(n int) string { return strconv.Itoa(n) }

// writeJSON writes v as the whole response body.
func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "fakeopenai: encoding reply: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// apiError is OpenAI's error body.
type apiError struct {
	Error struct {
		Message string      `json:"message"`
		Type    string      `json:"type"`
		Param   interface{} `json:"param"`
		Code    interface{} `json:"code"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	var e apiError
	e.Error.Message = msg
	e.Error.Type = typ
	if code != "" {
		e.Error.Code = code
	}
	writeJSON(w, status, e)
}

// fault answers a request whose model asks for a failure and reports
// whether it did. Slow models sleep first and then let the request proceed.
func fault(r *http.Request, w http.ResponseWriter, model string) bool {
	ctx := r.Context()
	switch {
	case model == "fail-429":
		w.Header().Set("Retry-After", "1")
		w.Header().Set("x-ratelimit-remaining-requests", "0")
		writeError(w, http.StatusTooManyRequests, "requests", "rate_limit_exceeded",
			"Rate limit reached for fail-429 on requests per min (RPM): Limit 3, Used 3, Requested 1.")
		return true
	case model == "fail-500":
		writeError(w, http.StatusInternalServerError, "server_error", "",
			"The server had an error while processing your request. Sorry about that!")
		return true
	case model == "fail-400":
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_value",
			"Invalid value for 'model': fail-400.")
		return true
	case strings.HasPrefix(model, "flaky-"):
		// flaky-<n>-<x>: 500 to the first n attempts, told apart by the
		// X-Stainless-Retry-Count header openai-go sends (0, 1, ...), so
		// the answer stays a function of the request.
		n, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(model, "flaky-"), "-", 2)[0])
		if try, _ := strconv.Atoi(r.Header.Get("X-Stainless-Retry-Count")); try < n {
			writeError(w, http.StatusInternalServerError, "server_error", "",
				"The server had an error while processing your request. Sorry about that!")
			return true
		}
	case strings.HasPrefix(model, "slow-"):
		d, err := time.ParseDuration(strings.TrimPrefix(model, "slow-"))
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_value", "fakeopenai: bad slow model "+model)
			return true
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return true
		}
	}
	return false
}

// rejectOptions answers a nooptions-<x> model's request that carries
// stream_options the way OpenAI-compatible servers without that parameter
// do (400, naming it), and reports whether it did.
func rejectOptions(w http.ResponseWriter, model string, hasStreamOptions bool) bool {
	if !strings.HasPrefix(model, "nooptions-") || !hasStreamOptions {
		return false
	}
	writeError(w, http.StatusBadRequest, "invalid_request_error", "",
		"Unrecognized request argument supplied: stream_options")
	return true
}

// words counts whitespace-separated words, the fake's token count.
func words(s string) int { return len(strings.Fields(s)) }

// digest gives a short stable id suffix for the parts of a request.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		io.WriteString(h, p)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// reply is the deterministic answer to a prompt.
func reply(prompt string) string {
	p := strings.Join(strings.Fields(prompt), " ")
	if p == "" {
		p = "nothing"
	}
	return "You asked: " + p + ". Here is a short deterministic answer."
}

// splitWords cuts text into stream deltas: each word with its leading space.
func splitWords(text string) []string {
	var out []string
	start := 0
	for i := 1; i < len(text); i++ {
		if text[i] == ' ' && text[i-1] != ' ' {
			out = append(out, text[start:i])
			start = i
		}
	}
	return append(out, text[start:])
}

// usageDetails returns the cached and reasoning tokens the model reports.
func usageDetails(model string, prompt, completion int) (cached, reasoning int) {
	if strings.HasPrefix(model, "cached-") {
		cached = prompt / 2
	}
	if len(model) > 1 && model[0] == 'o' && model[1] >= '0' && model[1] <= '9' {
		reasoning = completion / 2
	}
	return cached, reasoning
}

// sse writes server-sent events and flushes each one, as the API does.
type sse struct {
	w http.ResponseWriter
	f http.Flusher
}

func startSSE(w http.ResponseWriter) *sse {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	return &sse{w: w, f: f}
}

// event writes one event; name is optional (the Responses API uses it).
func (s *sse) event(name string, data []byte) {
	if name != "" {
		io.WriteString(s.w, "event: "+name+"\n")
	}
	io.WriteString(s.w, "data: ")
	s.w.Write(data)
	io.WriteString(s.w, "\n\n")
	if s.f != nil {
		s.f.Flush()
	}
}

func (s *sse) done() { s.event("", []byte("[DONE]")) }

// misbehave ends a faulty stream after its first chunks: reset-stream
// drops the connection, hang-stream waits for the client to leave (at most
// 30 s so a broken test cannot hang forever). It reports whether the
// stream was a faulty one.
func (s *sse) misbehave(ctx context.Context, model string) bool {
	switch model {
	case "reset-stream":
		if hj, ok := s.w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return true
	case "hang-stream":
		t := time.NewTimer(30 * time.Second)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		return true
	}
	return false
}

func mustJSON(v interface{}) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fakeopenai: encoding " + err.Error())
	}
	return b
}

// decodeBody decodes a request body into req, or answers 400 as OpenAI
// does and returns false.
func decodeBody(w http.ResponseWriter, body []byte, req interface{}) bool {
	if err := json.Unmarshal(body, req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request: "+err.Error())
		return false
	}
	return true
}

// inputRequest is the body of the endpoints that take a model and an
// input (embeddings, moderations).
type inputRequest struct {
	Model string          `json:"model"`
	Input json.RawMessage `json:"input"`
}

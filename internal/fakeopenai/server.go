// Package fakeopenai is a deterministic stand-in for the OpenAI HTTP API,
// used by tests, the demo and the benchmarks. Replies, ids and token counts
// are pure functions of the request, so two clients sending the same
// request read the same bytes; only the x-request-id header counts calls.
//
// Fault switches are chosen by model name:
//
//	fail-429         429 with Retry-After and an OpenAI error body
//	fail-500         500 with an OpenAI error body
//	fail-400         400 invalid_request_error
//	flaky-<n>-<x>    500 while the request's X-Stainless-Retry-Count (sent
//	                 by openai-go on every attempt) is below n, then as <x>
//	slow-<duration>  answers normally after the delay (e.g. slow-200ms)
//	reset-stream     a stream that sends two chunks, then drops the connection
//	hang-stream      a stream that sends two chunks, then waits for the client to go
//	nousage-<x>      a stream that ignores stream_options.include_usage
//	nooptions-<x>    400 to any chat or completion request carrying
//	                 stream_options, as servers without the parameter answer
//	cached-<x>       usage reports cached prompt tokens
//	o<x> (o1, o3...) usage reports reasoning tokens
package fakeopenai

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/wbinstrument/wbinstrument/internal/reqlog"
)

// Created is the fixed "created" timestamp of every object the server makes,
// so that replies are byte-for-byte reproducible.
const Created = 1700000000

// maxRecorded bounds the request log, so benchmarks can run long.
const maxRecorded = 256

// Request is one request as the server received it.
type Request struct {
	Method string
	Path   string // URL path, e.g. /v1/chat/completions
	Query  string // raw query, e.g. api-version=2024-02-01
	Header http.Header
	Body   []byte
}

// Server is a running fake OpenAI server.
type Server struct {
	ts *httptest.Server

	mu         sync.Mutex
	calls      int
	prompt     int
	completion int
	requests   []Request
}

// New starts a fake server on 127.0.0.1 on a random port.
func New() *Server {
	s := &Server{}
	s.ts = httptest.NewServer(s)
	return s
}

// Serve runs the fake on an existing listener until it is closed, for
// programs (the demo) that want the fake outside of a test.
func Serve(l net.Listener) error {
	return http.Serve(l, &Server{})
}

// URL returns the base URL to put in openai.ClientConfig.BaseURL (or
// OPENAI_BASE_URL); it ends in "/v1".
func (s *Server) URL() string { return s.ts.URL + "/v1" }

// RootURL returns the server's URL without "/v1", the base URL of Azure
// configurations (openai.DefaultAzureConfig).
func (s *Server) RootURL() string { return s.ts.URL }

// Close shuts the server down, cutting open streams.
func (s *Server) Close() {
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Calls returns how many API requests the server has answered, errors
// included.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Tokens returns the prompt and completion tokens of all successful LLM
// replies served so far (those the usage fields reported, or would have
// reported for streams without usage).
func (s *Server) Tokens() (prompt, completion int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.prompt, s.completion
}

// Requests returns a copy of the most recent requests (up to 256), oldest
// first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ServeHTTP routes a request to the endpoint it names. Azure paths
// (/openai/deployments/<d>/<op>?api-version=...) are served by the same
// handlers as /v1/<op>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "fakeopenai: reading body: "+err.Error())
		return
	}
	s.record(r, body)
	rid := s.countCall()
	h := w.Header()
	h.Set("x-request-id", rid)
	h.Set("openai-processing-ms", "1")
	h.Set("x-ratelimit-limit-requests", "10000")
	h.Set("x-ratelimit-remaining-requests", "9999")
	h.Set("x-ratelimit-reset-requests", "6ms")
	h.Set("x-ratelimit-limit-tokens", "200000")
	h.Set("x-ratelimit-remaining-tokens", "199000")
	h.Set("x-ratelimit-reset-tokens", "300ms")

	op, azure, ok := route(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "Unknown request URL: "+r.Method+" "+r.URL.Path)
		return
	}
	if !authorized(r, azure) {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return
	}
	if azure && r.URL.Query().Get("api-version") == "" {
		writeError(w, http.StatusNotFound, "invalid_request_error", "404", "Resource not found: api-version missing")
		return
	}
	switch {
	case op == "/chat/completions" && r.Method == http.MethodPost:
		s.chat(w, r, body)
	case op == "/completions" && r.Method == http.MethodPost:
		s.completions(w, r, body)
	case op == "/embeddings" && r.Method == http.MethodPost:
		s.embeddings(w, r, body)
	case op == "/responses" && r.Method == http.MethodPost:
		s.responses(w, r, body)
	case op == "/models" && r.Method == http.MethodGet:
		models(w)
	case strings.HasPrefix(op, "/models/") && r.Method == http.MethodGet:
		model(w, strings.TrimPrefix(op, "/models/"))
	case op == "/moderations" && r.Method == http.MethodPost:
		moderations(w, body)
	case op == "/images/generations" && r.Method == http.MethodPost:
		images(w, body)
	case op == "/audio/speech" && r.Method == http.MethodPost:
		speech(w, body)
	case (op == "/audio/transcriptions" || op == "/audio/translations") && r.Method == http.MethodPost:
		transcription(w, r, body)
	case op == "/files" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]interface{}{"object": "list", "data": []interface{}{}})
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "Unknown request URL: "+r.Method+" "+r.URL.Path)
	}
}

// route maps a request path to the operation suffix ("/chat/completions")
// and tells whether it is an Azure-style path.
func route(path string) (op string, azure, ok bool) {
	if strings.HasPrefix(path, "/v1/") {
		return path[len("/v1"):], false, true
	}
	if rest := strings.TrimPrefix(path, "/openai/deployments/"); rest != path {
		i := strings.IndexByte(rest, '/')
		if i <= 0 {
			return "", true, false
		}
		return rest[i:], true, true
	}
	if rest := strings.TrimPrefix(path, "/openai/"); rest != path {
		return "/" + rest, true, true
	}
	return "", false, false
}

// authorized checks that a key was sent the way the API type requires.
func authorized(r *http.Request, azure bool) bool {
	if azure {
		return r.Header.Get("api-key") != "" || strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	return len(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")) > 0 &&
		strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func (s *Server) record(r *http.Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = reqlog.Add(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body,
	}, maxRecorded)
}

func (s *Server) countCall() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return "req_" + itoa(s.calls)
}

func (s *Server) addTokens(prompt, completion int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prompt += prompt
	s.completion += completion
}

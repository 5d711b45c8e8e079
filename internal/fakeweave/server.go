// Package fakeweave is a loopback OTLP/HTTP traces receiver that checks
// requests as W&B Weave's endpoint does (protobuf only, gzip accepted,
// the wandb-api-key header) and injects faults: 5xx bursts, 429 with
// Retry-After, connection resets, a hung receiver, an outage. It keeps
// every accepted request body, decompressed, for tests to decode with
// the official OTLP types, and counts span ids to catch duplicates.
package fakeweave

import (
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Fault is what the next requests get instead of being accepted.
type Fault int

const (
	// Fail500 answers 500 Internal Server Error.
	Fail500 Fault = iota + 1
	// Throttle answers 429 with Retry-After: 1.
	Throttle
	// Reset closes the connection without an answer.
	Reset
	// Hang holds the request without answering until the client gives up
	// (or the server closes).
	Hang
)

// Request is one accepted export.
type Request struct {
	Header http.Header
	Body   []byte // the ExportTraceServiceRequest, decompressed
}

// Server is the fake receiver.
type Server struct {
	ts  *httptest.Server
	key string // required wandb-api-key; "" accepts any request

	mu       sync.Mutex
	faults   []Fault
	down     bool
	accepted []Request
	attempts int
	spanIDs  map[string]int
	hung     chan struct{}
}

// New starts a receiver that requires the header wandb-api-key: key
// (none when key is empty), as Weave does.
func New(key string) *Server {
	s := &Server{key: key, spanIDs: map[string]int{}, hung: make(chan struct{})}
	s.ts = httptest.NewServer(s)
	return s
}

// URL is the traces endpoint, …/otel/v1/traces.
func (s *Server) URL() string { return s.ts.URL + "/otel/v1/traces" }

// Base is the server's root URL.
func (s *Server) Base() string { return s.ts.URL }

// Close releases hung requests and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.hung:
	default:
		close(s.hung)
	}
	s.mu.Unlock()
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Inject makes the next n requests get fault f (after those injected
// before).
func (s *Server) Inject(f Fault, n int) {
	s.mu.Lock()
	for i := 0; i < n; i++ {
		s.faults = append(s.faults, f)
	}
	s.mu.Unlock()
}

// Down makes every request fail with 503 until Down(false).
func (s *Server) Down(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// Accepted returns the accepted requests.
func (s *Server) Accepted() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.accepted...)
}

// Attempts counts every request, failed ones included.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// Spans counts the spans accepted, and Duplicates those whose span id
// had been accepted before.
func (s *Server) Spans() (spans, duplicates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.spanIDs {
		spans += n
		duplicates += n - 1
	}
	return spans, duplicates
}

// WaitSpans waits until n spans were accepted or d passed.
func (s *Server) WaitSpans(n int, d time.Duration) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if got, _ := s.Spans(); got >= n {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	got, _ := s.Spans()
	return got >= n
}

// ServeHTTP implements Weave's OTLP endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	s.mu.Lock()
	s.attempts++
	var f Fault
	if len(s.faults) > 0 {
		f, s.faults = s.faults[0], s.faults[1:]
	}
	down := s.down
	hung := s.hung
	s.mu.Unlock()
	switch {
	case err != nil:
		http.Error(w, "reading body", http.StatusBadRequest)
		return
	case r.Method != http.MethodPost || r.URL.Path != "/otel/v1/traces" && r.URL.Path != "/traces/otel/v1/traces":
		http.NotFound(w, r)
		return
	case s.key != "" && r.Header.Get("wandb-api-key") != s.key:
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	case r.Header.Get("Content-Type") != "application/x-protobuf":
		http.Error(w, "protobuf only", http.StatusUnsupportedMediaType)
		return
	case down:
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	switch f {
	case Fail500:
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	case Throttle:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case Reset:
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				if tc, ok := c.(*net.TCPConn); ok {
					tc.SetLinger(0) // RST, not FIN
				}
				c.Close()
				return
			}
		}
		http.Error(w, "reset", http.StatusBadGateway)
		return
	case Hang:
		select {
		case <-hung:
		case <-r.Context().Done():
		}
		return
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			http.Error(w, "bad gzip", http.StatusBadRequest)
			return
		}
	}
	ids, err := spanIDs(body)
	if err != nil {
		http.Error(w, "bad protobuf: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.accepted = append(s.accepted, Request{Header: r.Header.Clone(), Body: body})
	for _, id := range ids {
		s.spanIDs[string(id)]++
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK) // an empty ExportTraceServiceResponse
}

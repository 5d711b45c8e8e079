// Package fakewandb is a stand-in for the Weights & Biases HTTP API, used by
// the tests of online mode and of `wbinstrument sync`. It answers the three
// endpoints the sender speaks (POST /graphql for UpsertBucket and
// CreateRunFiles, POST /files/<entity>/<project>/<run>/file_stream, and PUT
// on the upload URLs it hands out), keeps what it received per run the way
// W&B does (file_stream lines stored by offset, so a retried batch
// overwrites rather than duplicates), and records every protocol violation
// it notices so tests can assert there were none.
//
// Faults are injected with Inject (a number of 500s, 429 with Retry-After,
// connection resets before or after the request took effect, slow answers,
// 401) and Down; unknown entities answer with a GraphQL error, as W&B does.
package fakewandb

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/reqlog"
)

// DefaultEntity is the entity of the key's user: runs upserted with an
// empty entity land there, as on W&B.
const DefaultEntity = "fake-user"

// DefaultProject is where runs upserted with an empty project land.
const DefaultProject = "uncategorized"

// maxRecorded bounds the request log so long tests do not grow it forever.
const maxRecorded = 4096

// Request is one request as the server received it.
type Request struct {
	Time     time.Time
	Method   string
	Path     string
	Endpoint string // "graphql", "file_stream", "upload" or "" when unknown
	Header   http.Header
	Body     []byte
	Status   int // status answered; 0 when the connection was cut
}

// Server is a running fake W&B server.
type Server struct {
	ts     *httptest.Server
	apiKey string

	mu         sync.Mutex
	entities   map[string]bool
	runs       map[string]*Run // by entity/project/run
	order      []string        // run keys in upsert order
	faults     []*Fault
	down       bool
	requests   []Request
	violations []string
}

// New starts a fake server on 127.0.0.1 that accepts apiKey (HTTP Basic
// user "api") and knows DefaultEntity and the extra entities given.
func New(apiKey string, entities ...string) *Server {
	s := &Server{
		apiKey:   apiKey,
		entities: map[string]bool{DefaultEntity: true},
		runs:     map[string]*Run{},
	}
	for _, e := range entities {
		s.entities[e] = true
	}
	// Assigned before serving: handlers read s.ts.URL.
	s.ts = httptest.NewUnstartedServer(s)
	s.ts.Start()
	return s
}

// URL is the base URL to use as WANDB_BASE_URL.
func (s *Server) URL() string { return s.ts.URL }

// Close shuts the server down, cutting open connections.
func (s *Server) Close() {
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Down makes every request fail with a cut connection (true) until called
// again with false: a server that is unreachable for a while.
func (s *Server) Down(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// Requests returns a copy of the requests received so far (the most
// recent 4096), oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Violations returns the protocol errors the server noticed: gaps in
// file_stream offsets, retried lines that differ from what was stored,
// data after a run completed, secrets sent where they do not belong.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

func (s *Server) violate(msg string) {
	s.violations = append(s.violations, msg)
}

// ServeHTTP routes a request, after applying any injected fault.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "fakewandb: reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	endpoint, parts := route(r)
	rw := &statusWriter{ResponseWriter: w}
	idx := s.record(r, endpoint, body)
	defer func() { s.setStatus(idx, rw.status) }()

	s.mu.Lock()
	down := s.down
	f := s.takeFault(endpoint)
	s.mu.Unlock()
	if down {
		cut(w)
		return
	}
	if f != nil {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case f.Reset && !f.AfterApply:
			cut(w)
			return
		case f.Status != 0:
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			writeJSON(rw, f.Status, map[string]interface{}{"error": http.StatusText(f.Status)})
			return
		}
	}

	// A reset after the request took effect answers into a recorder that
	// is thrown away, then cuts: the client never learns it succeeded, so
	// only an idempotent protocol survives the retry that follows.
	var out http.ResponseWriter = rw
	if f != nil && f.Reset && f.AfterApply {
		out = httptest.NewRecorder()
		defer cut(w)
	}
	switch endpoint {
	case "graphql":
		if !s.authorized(r) {
			unauthorized(out)
			return
		}
		s.graphql(out, body)
	case "file_stream":
		if !s.authorized(r) {
			unauthorized(out)
			return
		}
		s.fileStream(out, parts[0], parts[1], parts[2], body)
	case "upload":
		s.upload(out, r, parts, body)
	default:
		http.Error(out, "fakewandb: no such endpoint: "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	}
}

// route names the endpoint of a request; parts are the entity, project
// and run of a file_stream, or the entity, project, run and file name of
// an upload.
func route(r *http.Request) (string, []string) {
	p := r.URL.Path
	switch {
	case p == "/graphql" && r.Method == http.MethodPost:
		return "graphql", nil
	case strings.HasPrefix(p, "/files/") && strings.HasSuffix(p, "/file_stream") && r.Method == http.MethodPost:
		parts := strings.Split(strings.TrimSuffix(strings.TrimPrefix(p, "/files/"), "/file_stream"), "/")
		if len(parts) == 3 {
			return "file_stream", parts
		}
	case strings.HasPrefix(p, "/upload/") && r.Method == http.MethodPut:
		parts := strings.SplitN(strings.TrimPrefix(p, "/upload/"), "/", 4)
		if len(parts) == 4 {
			return "upload", parts
		}
	}
	return "", nil
}

// authorized checks HTTP Basic auth with user "api" and the server's key.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, "Basic ") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
	return err == nil && string(raw) == "api:"+s.apiKey
}

func unauthorized(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnauthorized, map[string]interface{}{
		"errors": []map[string]interface{}{{"message": "user is not logged in"}},
	})
}

func (s *Server) record(r *http.Request, endpoint string, body []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = reqlog.Add(s.requests, Request{
		Time: time.Now(), Method: r.Method, Path: r.URL.Path, Endpoint: endpoint,
		Header: r.Header.Clone(), Body: body,
	}, maxRecorded)
	return len(s.requests) - 1
}

func (s *Server) setStatus(idx, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if idx < len(s.requests) {
		s.requests[idx].Status = status
	}
}

// cut drops the connection without an answer, like a reset by a proxy.
func cut(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// statusWriter remembers the status written, for the request log, and
// lets cut reach the underlying Hijacker.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fakewandb: encoding answer: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

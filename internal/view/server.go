package view

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed static
var staticFiles embed.FS

// csp allows nothing but the app's own files: no inline script or style,
// no other origins, no plugins, no framing. Prompts are untrusted text,
// and even a rendering bug must not let one run script.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Server serves the viewer for one run. It holds the latest snapshot and
// reloads it when asked (live mode) and the run's log has changed.
type Server struct {
	arg string // what the user named; re-resolved on reload to follow latest-run

	mu      sync.Mutex // guards snap, loadErr, loading
	snap    *Snapshot
	loadErr error
	reload  sync.Mutex // one reload at a time
	mux     *http.ServeMux
}

// New loads the run named by arg (see ResolveRunDir) and returns its
// server. A run that cannot be read is not an error here: the page says
// what is wrong, and a later reload may succeed (a run being created).
// The returned error repeats the load error for the command line.
func New(arg string) (*Server, error) {
	s := &Server{arg: arg}
	s.mux = http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	files := http.FileServer(http.FS(static))
	s.mux.Handle("/static/", http.StripPrefix("/static/", files))
	s.mux.HandleFunc("/", s.handleIndex)
	s.mux.HandleFunc("/api/overview", s.handleOverview)
	s.mux.HandleFunc("/api/calls", s.handleCalls)
	s.mux.HandleFunc("/api/facets", s.handleFacets)
	s.mux.HandleFunc("/api/call", s.handleCall)
	s.mux.HandleFunc("/api/timeline", s.handleTimeline)
	s.mux.HandleFunc("/api/models", s.handleModels)
	s.mux.HandleFunc("/api/reload", s.handleReload)
	err := s.Reload(true)
	return s, err
}

// Snapshot returns the run as last loaded, or nil.
func (s *Server) Snapshot() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}

// Reload re-reads the run if its log changed since the last load (or
// always, with force). Without force, a log that grew is read only from
// where the last read ended (see Snapshot.extend). On failure the
// previous snapshot stays served.
func (s *Server) Reload(force bool) error {
	s.reload.Lock()
	defer s.reload.Unlock()
	dir, err := ResolveRunDir(s.arg)
	if err == nil {
		old := s.Snapshot()
		var snap *Snapshot
		if !force && old != nil && old.RunDir == dir {
			if !changed(old) {
				return nil
			}
			snap = old.extend()
		}
		if snap == nil {
			snap, err = Load(dir)
		}
		if err == nil {
			s.mu.Lock()
			s.snap, s.loadErr = snap, nil
			s.mu.Unlock()
			// The first text query or models page would otherwise
			// wait for the bodies (a second pass over the log); read
			// them while the user looks at the first page.
			go snap.idx.bodies()
			return nil
		}
	}
	s.mu.Lock()
	s.loadErr = err
	s.mu.Unlock()
	return err
}

func changed(old *Snapshot) bool {
	st, err := os.Stat(old.Data.Path)
	return err != nil || st.Size() != old.Size || !st.ModTime().Equal(old.ModTime)
}

// ServeHTTP adds the security headers every answer carries and refuses
// requests for other host names, so a web page elsewhere cannot reach the
// viewer through DNS rebinding and read private prompts.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	if !localHost(r.Host) {
		http.Error(w, "wbinstrument view only answers requests for localhost or 127.0.0.1", http.StatusForbidden)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func localHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	b, err := staticFiles.ReadFile("static/index.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// current returns the snapshot for an API request, or answers 503 with
// the reason there is none.
func (s *Server) current(w http.ResponseWriter) *Snapshot {
	snap, msg, _ := s.loaded()
	if snap == nil {
		writeError(w, http.StatusServiceUnavailable, msg)
	}
	return snap
}

// loaded returns the snapshot and the error of the last load; with no
// snapshot, msg says why.
func (s *Server) loaded() (snap *Snapshot, msg string, err error) {
	s.mu.Lock()
	snap, err = s.snap, s.loadErr
	s.mu.Unlock()
	if snap == nil {
		msg = "no run loaded"
		if err != nil {
			msg = err.Error()
		}
	}
	return snap, msg, err
}

func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "reload wants POST")
		return
	}
	err := s.Reload(true)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	s.handleOverview(w, r)
}

func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("refresh") == "1" {
		s.Reload(false)
	}
	snap, msg, err := s.loaded()
	if snap == nil {
		// 200: the page renders this as its error page.
		writeJSON(w, http.StatusOK, map[string]string{"error": msg, "arg": s.arg})
		return
	}
	ov := snap.overview()
	if err != nil {
		ov.ReloadError = err.Error()
	}
	writeJSON(w, http.StatusOK, ov)
}

// Row is one line of the trace table.
type Row struct {
	I          int32    `json:"i"`
	Step       int64    `json:"step"`
	Time       float64  `json:"time"` // start, unix ms
	Site       string   `json:"site"`
	Method     string   `json:"method"`
	Model      string   `json:"model"`
	Status     string   `json:"status"`
	Prompt     int64    `json:"prompt"`
	Completion int64    `json:"completion"`
	Total      int64    `json:"total"`
	Latency    float64  `json:"latency"` // ms
	TTFT       *float64 `json:"ttft"`    // ms; null when not a stream
	Cost       *float64 `json:"cost"`    // dollars, as logged (or from the price table for runs logged without costs); null when unknown
	Stream     bool     `json:"stream"`
	Estimated  bool     `json:"estimated,omitempty"` // token counts counted here: the server sent none
	Error      string   `json:"message,omitempty"`   // a failed call's status message, shortened
}

func (s *Snapshot) row(i int32) Row {
	e := &s.idx.entries[i]
	c := &s.Calls[i]
	r := Row{
		I: i, Step: c.Step, Time: e.start,
		Site: s.idx.sites.names[e.site], Method: s.idx.methods.names[e.method],
		Model: s.idx.models.names[e.model], Status: s.idx.statuses.names[e.status],
		Prompt: e.prompt, Completion: e.completion, Total: e.total,
		Latency: e.latency, Stream: e.stream, Estimated: c.Estimated,
	}
	if e.ttft >= 0 {
		v := e.ttft
		r.TTFT = &v
	}
	if e.cost >= 0 {
		v := e.cost
		r.Cost = &v
	}
	if r.Status == "ERROR" {
		r.Error = c.StatusMessage
		if len(r.Error) > 200 {
			r.Error = r.Error[:200] + "…"
		}
	}
	return r
}

func filterFrom(q map[string][]string) Filter {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return Filter{Model: get("model"), Status: get("status"), Site: get("site"), Method: get("method"), Query: get("q")}
}

// maxPage bounds a table page.
const maxPage = 1000

func (s *Server) handleCalls(w http.ResponseWriter, r *http.Request) {
	snap := s.current(w)
	if snap == nil {
		return
	}
	q := r.URL.Query()
	offset, err := intParam(q.Get("offset"), 0)
	if err != nil || offset < 0 {
		writeError(w, http.StatusBadRequest, "offset: want a non-negative integer, got "+strconv.Quote(q.Get("offset")))
		return
	}
	limit, err := intParam(q.Get("limit"), 100)
	if err != nil || limit < 1 || limit > maxPage {
		writeError(w, http.StatusBadRequest, "limit: want an integer from 1 to "+strconv.Itoa(maxPage)+", got "+strconv.Quote(q.Get("limit")))
		return
	}
	sortKey := q.Get("sort")
	if sortKey == "" {
		sortKey = "time"
	}
	if _, ok := snap.idx.perms[sortKey]; !ok {
		writeError(w, http.StatusBadRequest, "sort: unknown column "+strconv.Quote(sortKey)+"; one of "+strings.Join(sortKeys, ", "))
		return
	}
	dir := q.Get("dir")
	if dir != "" && dir != "asc" && dir != "desc" {
		writeError(w, http.StatusBadRequest, "dir: want asc or desc, got "+strconv.Quote(dir))
		return
	}
	t0 := time.Now()
	total, idx, err := snap.idx.page(filterFrom(q), sortKey, dir == "desc", offset, limit)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	rows := make([]Row, len(idx))
	for k, i := range idx {
		rows[k] = snap.row(i)
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{
		"total": total, "offset": offset, "limit": limit, "sort": sortKey, "dir": dirOr(dir),
		"calls": len(snap.Calls), "rows": rows, "queryMs": float64(time.Since(t0).Microseconds()) / 1000,
	})
}

func dirOr(d string) string {
	if d == "" {
		return "asc"
	}
	return d
}

func intParam(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}

func floatParam(s string, def float64) (float64, error) {
	if s == "" {
		return def, nil
	}
	return strconv.ParseFloat(s, 64)
}

// Facet is one filter value and how many calls have it.
type Facet struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

func (s *Server) handleFacets(w http.ResponseWriter, r *http.Request) {
	snap := s.current(w)
	if snap == nil {
		return
	}
	ix := snap.idx
	count := func(t *strTable, get func(e *entry) int32) []Facet {
		n := make([]int, len(t.names))
		for i := range ix.entries {
			n[get(&ix.entries[i])]++
		}
		out := make([]Facet, len(t.names))
		for id, name := range t.names {
			out[t.rank[id]] = Facet{name, n[id]}
		}
		return out
	}
	writeJSON(w, http.StatusOK, map[string][]Facet{
		"model":  count(&ix.models, func(e *entry) int32 { return e.model }),
		"status": count(&ix.statuses, func(e *entry) int32 { return e.status }),
		"site":   count(&ix.sites, func(e *entry) int32 { return e.site }),
		"method": count(&ix.methods, func(e *entry) int32 { return e.method }),
	})
}

func (s *Server) handleCall(w http.ResponseWriter, r *http.Request) {
	snap := s.current(w)
	if snap == nil {
		return
	}
	i, err := strconv.Atoi(r.URL.Query().Get("i"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "i: want a call index, got "+strconv.Quote(r.URL.Query().Get("i")))
		return
	}
	if i < 0 || i >= len(snap.Calls) {
		writeError(w, http.StatusNotFound, "call "+strconv.Itoa(i)+" does not exist; the run has "+strconv.Itoa(len(snap.Calls))+" calls")
		return
	}
	d, err := snap.detail(i)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	snap := s.current(w)
	if snap == nil {
		return
	}
	models, err := snap.models()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{"models": models, "pricesAsOf": PricesAsOf})
}

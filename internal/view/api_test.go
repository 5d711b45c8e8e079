package view

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

var sharedDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "wbinstrument-view-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

func sharedTemp(testing.TB) string { return sharedDir }

const smallN = 250

func smallRun(t testing.TB) string {
	return cachedFixture(t, fixture{n: smallN, tables: true, finish: true})
}

// mustLoad loads and indexes the run at dir, for the tests and benchmarks
// of what comes after.
func mustLoad(tb testing.TB, dir string) *Snapshot {
	tb.Helper()
	s, err := Load(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func newTestServer(t *testing.T, arg string) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(arg)
	if err != nil {
		t.Fatalf("New(%s): %v", arg, err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

// getJSON fetches path and decodes the answer into out, checking the
// status and that the content type is JSON.
func getJSON(t *testing.T, hs *httptest.Server, path string, wantStatus int, out interface{}) {
	t.Helper()
	resp, err := http.Get(hs.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, wantStatus, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, body)
		}
	}
}

type callsPage struct {
	Total int   `json:"total"`
	Calls int   `json:"calls"`
	Rows  []Row `json:"rows"`
}

// expected properties of fixture call k, restated from the generator's
// rules so the tests check the server against an independent account.
func expModel(k int) string { return fixtureModels[k%len(fixtureModels)] }
func expFailed(k int) bool  { return k%17 == 5 }
func expLatency(k int) float64 {
	return 50 + float64((k*7919)%750)
}

func TestCallsPagingCoversEveryCallOnce(t *testing.T) {
	_, hs := newTestServer(t, smallRun(t))
	seen := map[int32]bool{}
	for off := 0; off < smallN+100; off += 100 {
		var p callsPage
		getJSON(t, hs, fmt.Sprintf("/api/calls?offset=%d&limit=100", off), 200, &p)
		if p.Total != smallN || p.Calls != smallN {
			t.Fatalf("offset %d: total %d calls %d, want %d", off, p.Total, p.Calls, smallN)
		}
		want := smallN - off
		if want > 100 {
			want = 100
		}
		if want < 0 {
			want = 0
		}
		if len(p.Rows) != want {
			t.Fatalf("offset %d: %d rows, want %d", off, len(p.Rows), want)
		}
		for _, r := range p.Rows {
			if seen[r.I] {
				t.Fatalf("call %d on two pages", r.I)
			}
			seen[r.I] = true
		}
	}
	if len(seen) != smallN {
		t.Fatalf("pages covered %d calls, want %d", len(seen), smallN)
	}
}

func TestCallsSorting(t *testing.T) {
	_, hs := newTestServer(t, smallRun(t))
	var p callsPage
	getJSON(t, hs, "/api/calls?sort=latency&dir=desc&limit=1000", 200, &p)
	var lat []float64
	for k := 0; k < smallN; k++ {
		lat = append(lat, expLatency(k))
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(lat)))
	for j, r := range p.Rows {
		if diff := r.Latency - lat[j]; diff > 0.01 || diff < -0.01 {
			t.Fatalf("row %d: latency %v, want %v", j, r.Latency, lat[j])
		}
	}
	getJSON(t, hs, "/api/calls?sort=model&limit=1000", 200, &p)
	for j := 1; j < len(p.Rows); j++ {
		a, b := p.Rows[j-1], p.Rows[j]
		if a.Model > b.Model || (a.Model == b.Model && a.Time > b.Time) {
			t.Fatalf("rows %d,%d out of order: %s@%v then %s@%v", j-1, j, a.Model, a.Time, b.Model, b.Time)
		}
	}
	// The default order is by start time, the first call first.
	getJSON(t, hs, "/api/calls?limit=3", 200, &p)
	if p.Rows[0].I != 0 || p.Rows[1].I != 1 || p.Rows[2].I != 2 {
		t.Fatalf("default order starts %d %d %d, want 0 1 2", p.Rows[0].I, p.Rows[1].I, p.Rows[2].I)
	}
	for _, bad := range []string{"sort=nope", "dir=up", "limit=0", "limit=5000", "offset=-1", "offset=x"} {
		var e map[string]string
		getJSON(t, hs, "/api/calls?"+bad, 400, &e)
		if e["error"] == "" {
			t.Errorf("%s: no error message", bad)
		}
	}
}

func TestCallsFiltering(t *testing.T) {
	_, hs := newTestServer(t, smallRun(t))
	count := func(pred func(k int) bool) int {
		n := 0
		for k := 0; k < smallN; k++ {
			if pred(k) {
				n++
			}
		}
		return n
	}
	cases := []struct {
		query string
		want  func(k int) bool
	}{
		{"model=gpt-4o", func(k int) bool { return expModel(k) == "gpt-4o" }},
		{"status=ERROR", expFailed},
		{"status=ERROR&model=gpt-4o-mini", func(k int) bool { return expFailed(k) && expModel(k) == "gpt-4o-mini" }},
		{"site=" + url.QueryEscape("/src/app/main.go:30 main.summarize"), func(k int) bool { return k%7 == 1 }},
		{"q=onerror", func(k int) bool { return k == 1 }},
		{"q=req_000117", func(k int) bool { return k == 117 }},
		// Words must all occur, anywhere: here one in the prompt, one in the answer.
		{"q=" + url.QueryEscape("CITY onerror"), func(k int) bool { return k == 1 }},
		{"q=rate+limit+reached", expFailed},
		{"model=no-such-model", func(int) bool { return false }},
	}
	for _, c := range cases {
		var p callsPage
		getJSON(t, hs, "/api/calls?limit=1000&"+c.query, 200, &p)
		want := count(c.want)
		if p.Total != want || len(p.Rows) != want {
			t.Errorf("%s: total %d rows %d, want %d", c.query, p.Total, len(p.Rows), want)
			continue
		}
		for _, r := range p.Rows {
			if !c.want(int(r.I)) {
				t.Errorf("%s: call %d should not match", c.query, r.I)
			}
		}
	}
	// Paging a filtered result: the second page continues the first.
	var p1, p2, all callsPage
	getJSON(t, hs, "/api/calls?model=gpt-4o&sort=latency&limit=10", 200, &p1)
	getJSON(t, hs, "/api/calls?model=gpt-4o&sort=latency&limit=10&offset=10", 200, &p2)
	getJSON(t, hs, "/api/calls?model=gpt-4o&sort=latency&limit=20", 200, &all)
	for j := 0; j < 20; j++ {
		got := p1.Rows
		if j >= 10 {
			got = p2.Rows
		}
		if got[j%10].I != all.Rows[j].I {
			t.Fatalf("filtered page %d row %d: call %d, want %d", j/10, j%10, got[j%10].I, all.Rows[j].I)
		}
	}
}

func TestFacets(t *testing.T) {
	_, hs := newTestServer(t, smallRun(t))
	var f map[string][]Facet
	getJSON(t, hs, "/api/facets", 200, &f)
	got := map[string]int{}
	for _, x := range f["model"] {
		got[x.Value] = x.Count
	}
	for _, m := range fixtureModels {
		n := 0
		for k := 0; k < smallN; k++ {
			if expModel(k) == m {
				n++
			}
		}
		if got[m] != n {
			t.Errorf("facet model %s: %d, want %d", m, got[m], n)
		}
	}
	if len(f["site"]) != 7 || len(f["status"]) != 2 {
		t.Errorf("facets: %d sites, %d statuses; want 7 and 2", len(f["site"]), len(f["status"]))
	}
}

// TestCallDetailBatchTable: with one stats table per batch of calls,
// logged with the batch's last call, a call's detail shows its own row of
// its batch's table; a call whose batch has no table yet shows none.
func TestCallDetailBatchTable(t *testing.T) {
	_, hs := newTestServer(t, writeFixture(t, t.TempDir(), fixture{n: 23, batch: 5, finish: true}))
	for _, i := range []int{0, 3, 4, 5, 19} {
		var d Detail
		getJSON(t, hs, fmt.Sprintf("/api/call?i=%d", i), 200, &d)
		if d.Stats == nil || d.StatsError != "" || len(d.Stats.Data) != 1 || d.Stats.Data[0][0] != fmt.Sprintf("call %d", i) ||
			d.Stats.Rows != 5 || d.Stats.Index != i%5 {
			t.Errorf("call %d stats table: %+v (%s)", i, d.Stats, d.StatsError)
		}
	}
	var d Detail
	getJSON(t, hs, "/api/call?i=21", 200, &d)
	if d.Stats != nil || d.StatsError != "" {
		t.Errorf("call 21 has no table yet, got %+v (%s)", d.Stats, d.StatsError)
	}
}

func TestCallDetail(t *testing.T) {
	_, hs := newTestServer(t, smallRun(t))
	var d Detail
	getJSON(t, hs, "/api/call?i=1", 200, &d)
	if len(d.Messages) != 2 || d.Messages[1].Role != "user" || d.Messages[1].Content != xssPrompt {
		t.Fatalf("call 1 messages: %+v", d.Messages)
	}
	if d.ResponseText != "Answer 1: the capital is City 1." || d.Prev != 0 || d.Next != 2 {
		t.Fatalf("call 1: response %q prev %d next %d", d.ResponseText, d.Prev, d.Next)
	}
	if d.Stats == nil || len(d.Stats.Columns) != 12 || d.Stats.Data[0][2] != "gpt-4o" {
		t.Fatalf("call 1 stats table: %+v (%s)", d.Stats, d.StatsError)
	}
	getJSON(t, hs, "/api/call?i=7", 200, &d)
	if len(d.ToolCalls) != 1 || d.ToolCalls[0].Name != "get_weather" || d.ToolCalls[0].Arguments != `{"city":"Paris"}` {
		t.Fatalf("call 7 tool calls: %+v", d.ToolCalls)
	}
	if len(d.FinishReasons) != 1 || d.FinishReasons[0] != "tool_calls" {
		t.Fatalf("call 7 finish reasons: %v", d.FinishReasons)
	}
	getJSON(t, hs, "/api/call?i=5", 200, &d) // 5 % 17 == 5: failed
	if d.Error == nil || d.Error.Type != "rate_limit_exceeded" || d.Error.HTTPStatus != "429" || !strings.Contains(d.Error.Message, "Rate limit") {
		t.Fatalf("call 5 error: %+v", d.Error)
	}
	if d.Status != "ERROR" || !strings.Contains(d.StatusMessage, "429") {
		t.Fatalf("call 5: status %q message %q", d.Status, d.StatusMessage)
	}
	limits := map[string]string{}
	for _, kv := range d.RateLimits {
		limits[kv.Key] = kv.Value
	}
	if limits["x-ratelimit-remaining-requests"] != "9995" || limits["x-ratelimit-limit-requests"] != "10000" {
		t.Fatalf("call 5 rate limits: %v", d.RateLimits)
	}
	for _, kv := range d.Attributes {
		if strings.Contains(kv.Key, "ratelimit") {
			t.Fatalf("rate limit %s also listed among attributes", kv.Key)
		}
	}
	getJSON(t, hs, "/api/call?i=6", 200, &d) // an embedding
	if !strings.Contains(d.ResponseText, "1 embedding(s), 3 dimensions") || !strings.Contains(d.Input, "Question 6:") {
		t.Fatalf("call 6 (embedding): response %q input %q messages %v", d.ResponseText, d.Input, d.Messages)
	}
	getJSON(t, hs, "/api/call?i=0", 200, &d) // a stream
	if !d.Stream || d.TTFT == nil || *d.TTFT != expLatency(0)/4 {
		t.Fatalf("call 0: stream %v ttft %v", d.Stream, d.TTFT)
	}
	if d.Cached != 10 || d.Cost == nil { // k%5==0: cached = prompt/2 = 20/2
		t.Fatalf("call 0: cached %d cost %v", d.Cached, d.Cost)
	}
	var e map[string]string
	getJSON(t, hs, fmt.Sprintf("/api/call?i=%d", smallN), 404, &e)
	getJSON(t, hs, "/api/call?i=abc", 400, &e)
	if !strings.Contains(e["error"], "abc") {
		t.Fatalf("bad index error: %q", e["error"])
	}
}

func TestModels(t *testing.T) {
	_, hs := newTestServer(t, smallRun(t))
	var got struct {
		Models []ModelInfo `json:"models"`
	}
	getJSON(t, hs, "/api/models", 200, &got)
	if len(got.Models) != len(fixtureModels) {
		t.Fatalf("%d models, want %d", len(got.Models), len(fixtureModels))
	}
	for _, m := range got.Models {
		var lat []float64
		errs := 0
		for k := 0; k < smallN; k++ {
			if expModel(k) == m.Model {
				lat = append(lat, expLatency(k))
				if expFailed(k) {
					errs++
				}
			}
		}
		sort.Float64s(lat)
		// nearest rank: the ceil(p*n)-th value
		rank := func(p float64) float64 {
			r := int(p * float64(len(lat)))
			if float64(r) < p*float64(len(lat)) {
				r++
			}
			return lat[r-1]
		}
		if m.Calls != len(lat) || m.Errors != errs {
			t.Errorf("%s: calls %d errors %d, want %d %d", m.Model, m.Calls, m.Errors, len(lat), errs)
		}
		if m.LatencyP50 != rank(0.5) || m.LatencyP90 != rank(0.9) || m.LatencyP99 != rank(0.99) {
			t.Errorf("%s: p50/90/99 %v %v %v, want %v %v %v", m.Model, m.LatencyP50, m.LatencyP90, m.LatencyP99, rank(0.5), rank(0.9), rank(0.99))
		}
		switch m.Model {
		case "my-custom-model":
			if m.Card != nil || m.Cost != nil {
				t.Errorf("unknown model got a card %v / cost %v", m.Card, m.Cost)
			}
		case "gpt-4o":
			if m.Card == nil || m.Card.Prefix != "gpt-4o" || m.Cost == nil || *m.Cost <= 0 {
				t.Errorf("gpt-4o: card %+v cost %v", m.Card, m.Cost)
			}
			if len(m.ResponseModels) != 1 || m.ResponseModels[0] != "gpt-4o-2024-08-06" {
				t.Errorf("gpt-4o answered as %v", m.ResponseModels)
			}
			if m.ModelHashes < 2 || len(m.Params) == 0 {
				t.Errorf("gpt-4o: %d model hashes, params %v", m.ModelHashes, m.Params)
			}
		}
	}
}

func TestPrices(t *testing.T) {
	for _, c := range []struct {
		model, prefix string
	}{
		{"gpt-4o-mini-2024-07-18", "gpt-4o-mini"}, {"gpt-4o", "gpt-4o"}, {"GPT-4o-2024-08-06", "gpt-4o"},
		{"openai/gpt-4.1-nano", "gpt-4.1-nano"}, {"o3-mini", "o3-mini"}, {"gpt-4-0613", "gpt-4"},
	} {
		card, ok := priceFor(c.model)
		if !ok || card.Prefix != c.prefix {
			t.Errorf("priceFor(%q) = %q, %v; want %q", c.model, card.Prefix, ok, c.prefix)
		}
	}
	for _, m := range []string{"gpt-4o1", "my-model", "", "o3x"} {
		if card, ok := priceFor(m); ok {
			t.Errorf("priceFor(%q) = %q, want no price", m, card.Prefix)
		}
	}
	// 1M prompt tokens of which 400k cached, 1M completion tokens.
	if got, want := callCost(0, false, "gpt-4o", 1e6, 1e6, 4e5), 0.6*2.5+0.4*1.25+10.0; got < want-1e-9 || got > want+1e-9 {
		t.Errorf("cost = %v, want %v", got, want)
	}
	// A logged cost is shown as logged, whatever the table says.
	if got := callCost(0.125, true, "gpt-4o", 1e6, 1e6, 4e5); got != 0.125 {
		t.Errorf("logged cost shown as %v", got)
	}
}

// TestLoggedCostShown: a call whose row logged its cost shows that cost,
// not the table's price of its tokens; a call logged without one (a run
// from before costs) is priced with the table.
func TestLoggedCostShown(t *testing.T) {
	_, hs := newTestServer(t, smallRun(t))
	var d struct {
		Cost *float64 `json:"cost"`
	}
	getJSON(t, hs, "/api/call?i=1", 200, &d) // gpt-4o, 21 + 6 tokens, logged at $1 per million
	if d.Cost == nil || *d.Cost != 27.0/1e6 {
		t.Errorf("call 1 cost = %v, want the logged %v", d.Cost, 27.0/1e6)
	}
	getJSON(t, hs, "/api/call?i=2", 200, &d) // text-embedding-3-small, 22 tokens, no cost logged
	if want := 22 * 0.02 / 1e6; d.Cost == nil || math.Abs(*d.Cost-want) > 1e-15 {
		t.Errorf("call 2 cost = %v, want the table's %v", d.Cost, want)
	}
}

func TestOverview(t *testing.T) {
	_, hs := newTestServer(t, smallRun(t))
	var ov Overview
	getJSON(t, hs, "/api/overview", 200, &ov)
	if ov.Run == nil || ov.Run.Name != "fixture-run" || ov.Run.Project != "view-test" || ov.Run.ID == "" {
		t.Fatalf("run info: %+v", ov.Run)
	}
	if ov.Exit == nil || ov.Exit.Code != 0 || ov.Running {
		t.Fatalf("exit %+v running %v", ov.Exit, ov.Running)
	}
	if ov.Corrupt != nil || ov.Totals.Calls != smallN {
		t.Fatalf("corrupt %+v calls %d", ov.Corrupt, ov.Totals.Calls)
	}
	errs := 0
	for k := 0; k < smallN; k++ {
		if expFailed(k) {
			errs++
		}
	}
	if ov.Totals.Errors != errs {
		t.Fatalf("errors %d, want %d", ov.Totals.Errors, errs)
	}
	cfg := map[string]string{}
	for _, kv := range ov.Config {
		cfg[kv.Key] = kv.Value
	}
	if cfg["instrumented_by"] != "wbinstrument" || cfg["calls"] != fmt.Sprint(smallN) {
		t.Fatalf("config: %v", ov.Config)
	}
	// 30 ms apart and up to 800 ms long: calls overlap many deep.
	if ov.Totals.MaxLanes < 10 {
		t.Fatalf("max concurrency %d, want overlapping calls", ov.Totals.MaxLanes)
	}
}

func TestTimelineLanesNeverOverlap(t *testing.T) {
	_, hs := newTestServer(t, smallRun(t))
	var tl Timeline
	getJSON(t, hs, "/api/timeline?max=10000", 200, &tl)
	if tl.Total != smallN || len(tl.Bars) != smallN || tl.Sampled {
		t.Fatalf("total %d bars %d sampled %v", tl.Total, len(tl.Bars), tl.Sampled)
	}
	byLane := map[int32][]Bar{}
	for _, b := range tl.Bars {
		byLane[b.Lane] = append(byLane[b.Lane], b)
	}
	for lane, bars := range byLane {
		sort.Slice(bars, func(i, j int) bool { return bars[i].Start < bars[j].Start })
		for j := 1; j < len(bars); j++ {
			if bars[j].Start < bars[j-1].End {
				t.Fatalf("lane %d: call %d starts before call %d ends", lane, bars[j].I, bars[j-1].I)
			}
		}
	}
	// A window holds exactly the calls that overlap it.
	from, to := tl.RunStart+1000, tl.RunStart+2000
	getJSON(t, hs, fmt.Sprintf("/api/timeline?from=%f&to=%f&max=10000", from, to), 200, &tl)
	want := 0
	for k := 0; k < smallN; k++ {
		s := tl.RunStart + float64(k)*30
		if s <= to && s+expLatency(k) >= from {
			want++
		}
	}
	if tl.Total != want {
		t.Fatalf("window: %d calls, want %d", tl.Total, want)
	}
	getJSON(t, hs, "/api/timeline?max=10", 200, &tl)
	if len(tl.Bars) != 10 || !tl.Sampled {
		t.Fatalf("max=10: %d bars, sampled %v", len(tl.Bars), tl.Sampled)
	}
	var e map[string]string
	getJSON(t, hs, "/api/timeline?from=10&to=5", 400, &e)
}

func TestSecurityHeadersAndContentTypes(t *testing.T) {
	_, hs := newTestServer(t, smallRun(t))
	for path, ct := range map[string]string{
		"/":                "text/html; charset=utf-8",
		"/static/app.js":   "text/javascript; charset=utf-8",
		"/static/app.css":  "text/css; charset=utf-8",
		"/api/overview":    "application/json; charset=utf-8",
		"/api/call?i=9999": "application/json; charset=utf-8",
	} {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Content-Type"); got != ct {
			t.Errorf("%s: Content-Type %q, want %q", path, got, ct)
		}
		if got := resp.Header.Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'self'") || strings.Contains(got, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, got)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
	}
	// DNS rebinding: a request naming another host is refused.
	req, _ := http.NewRequest("GET", hs.URL+"/api/overview", nil)
	req.Host = "evil.example:80"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Host: status %d, want 403", resp.StatusCode)
	}
}

// TestStaticAppUsesNoHTMLSinks keeps the page free of the DOM APIs that
// turn data into markup; the browser test checks the rendering itself.
func TestStaticAppUsesNoHTMLSinks(t *testing.T) {
	b, err := staticFiles.ReadFile("static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
		if strings.Contains(string(b), sink) {
			t.Errorf("app.js uses %s", sink)
		}
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	if _, err := ResolveRunDir(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "no such run directory") {
		t.Fatalf("missing dir: %v", err)
	}
	if _, err := ResolveRunDir(dir); err == nil || !strings.Contains(err.Error(), "neither a run directory") {
		t.Fatalf("empty dir: %v", err)
	}
	// Not a .wandb file: the server still starts and says what is wrong.
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "run-x.wandb"), []byte("this is not a run log at all"), 0o644)
	s, err := New(bad)
	if err == nil || s.Snapshot() != nil {
		t.Fatalf("garbage log: err %v snapshot %v", err, s.Snapshot())
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	var ov map[string]string
	getJSON(t, hs, "/api/overview", 200, &ov)
	if !strings.Contains(ov["error"], "not a .wandb log") {
		t.Fatalf("overview error %q", ov["error"])
	}
	var e map[string]string
	getJSON(t, hs, "/api/calls", 503, &e)
	if !strings.Contains(e["error"], "not a .wandb log") {
		t.Fatalf("calls error %q", e["error"])
	}
}

// tornCopy copies a run directory and cuts its log inside the last
// history record, as a power loss would.
func tornCopy(t *testing.T, src string) (dir string, keep int) {
	t.Helper()
	d, err := wandbfile.ReadRunDir(src)
	if err != nil {
		t.Fatal(err)
	}
	var hist []*wandbfile.Record
	for _, r := range d.Records {
		if r.History != nil {
			hist = append(hist, r)
		}
	}
	cut := hist[len(hist)-10].Offset + 20 // inside the 10th last row
	b, err := os.ReadFile(d.Path)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(d.Path)), b[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, len(hist) - 10
}

func TestTornTail(t *testing.T) {
	dir, keep := tornCopy(t, smallRun(t))
	_, hs := newTestServer(t, dir)
	var ov Overview
	getJSON(t, hs, "/api/overview", 200, &ov)
	if ov.Corrupt == nil || !ov.Corrupt.Torn || ov.Totals.Calls != keep || !ov.Running {
		t.Fatalf("torn run: corrupt %+v calls %d (want %d) running %v", ov.Corrupt, ov.Totals.Calls, keep, ov.Running)
	}
	var p callsPage
	getJSON(t, hs, "/api/calls?sort=time&dir=desc&limit=1", 200, &p)
	if p.Total != keep || p.Rows[0].I != int32(keep-1) {
		t.Fatalf("torn run: total %d last %+v", p.Total, p.Rows)
	}
}

func TestResolveRunDir(t *testing.T) {
	runDir := smallRun(t)
	wandbDir := filepath.Dir(runDir)
	for arg, want := range map[string]string{
		runDir:                 runDir,
		wandbDir:               filepath.Join(wandbDir, "latest-run"),
		filepath.Dir(wandbDir): filepath.Join(wandbDir, "latest-run"),
		filepath.Join(runDir, filepath.Base(mustLog(t, runDir))): filepath.Join(runDir, filepath.Base(mustLog(t, runDir))),
	} {
		got, err := ResolveRunDir(arg)
		if err != nil || got != want {
			t.Errorf("ResolveRunDir(%s) = %s, %v; want %s", arg, got, err, want)
		}
	}
	// Without latest-run, the newest run directory by name.
	dir := t.TempDir()
	for _, n := range []string{"offline-run-20250101_000000-aaaa", "offline-run-20250301_000000-bbbb", "run-20250201_000000-cccc"} {
		os.MkdirAll(filepath.Join(dir, "wandb", n), 0o755)
	}
	got, err := ResolveRunDir(dir)
	if err != nil || filepath.Base(got) != "offline-run-20250301_000000-bbbb" {
		t.Errorf("newest run: %s, %v", got, err)
	}
}

func mustLog(t *testing.T, runDir string) string {
	m, _ := filepath.Glob(filepath.Join(runDir, "run-*.wandb"))
	if len(m) != 1 {
		t.Fatalf("%s: %d logs", runDir, len(m))
	}
	return m[0]
}

// TestLiveReload follows a run that is still being written: a refresh
// sees the new rows, and an unchanged file is not read again.
func TestLiveReload(t *testing.T) {
	run, err := wandb.Init(wandb.Options{Dir: t.TempDir(), Mode: "offline", Silent: true, Project: "live"})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Finish()
	base := time.Now()
	logRows := func(from, to int) {
		for k := from; k < to; k++ {
			k := k
			run.LogFunc(func(s *wandb.Step) map[string]interface{} { return fixtureCall(k, base, s, false) })
		}
		waitRows(t, run.Dir(), to)
	}
	logRows(0, 10)
	s, hs := newTestServer(t, run.Dir())
	var ov Overview
	getJSON(t, hs, "/api/overview", 200, &ov)
	if ov.Totals.Calls != 10 || !ov.Running {
		t.Fatalf("first read: %d calls, running %v", ov.Totals.Calls, ov.Running)
	}
	first := s.Snapshot()
	getJSON(t, hs, "/api/overview?refresh=1", 200, &ov)
	if s.Snapshot() != first {
		t.Fatal("an unchanged log was read again")
	}
	logRows(10, 25)
	getJSON(t, hs, "/api/overview?refresh=1", 200, &ov)
	if ov.Totals.Calls != 25 {
		t.Fatalf("after refresh: %d calls, want 25", ov.Totals.Calls)
	}
	var p callsPage
	getJSON(t, hs, "/api/calls?limit=1000", 200, &p)
	if p.Total != 25 {
		t.Fatalf("table after refresh: %d calls", p.Total)
	}
}

func waitRows(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if d, _ := wandbfile.ReadRunDir(dir); d != nil && len(d.History) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: %d rows never reached the file", dir, n)
}

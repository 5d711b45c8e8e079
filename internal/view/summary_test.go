package view

import (
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/calls"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// The load reads rows with jscan (summary.go) instead of calls.FromRow.
// These tests hold the two to the same answers: the reference below is
// the index code as it was when it decoded every row with FromRow.

// refEntry is what the index derived from a fully decoded call.
type refEntry struct {
	start, end, latency, ttft, cost float64
	prompt, completion, total       int64
	cached                          int64
	model, status, site, method     string
	stream                          bool
	step                            int64
	statusMessage, requestID        string
	errorType, apiType              string
}

func reference(c *calls.Call) refEntry {
	var e refEntry
	// The timings are derived from the decoded numbers as the index does;
	// what is compared is the numbers each decoder read.
	e.latency, e.start, e.end = callTimes(c.ElapsedSeconds, c.StartMS, c.EndMS, c.Timestamp)
	e.ttft = -1
	for _, k := range []string{"time_to_first_token_ms", "ttft_ms"} {
		if raw, ok := c.Attributes[k]; ok {
			if f, err := strconv.ParseFloat(strings.Trim(string(raw), `"`), 64); err == nil && f >= 0 {
				e.ttft = f
				break
			}
		}
	}
	e.prompt, e.completion, e.total = c.PromptTokens, c.CompletionTokens, c.TotalTokens
	if e.total == 0 {
		e.total = e.prompt + e.completion
	}
	e.cached = int64(rowNumber(c.Row, "usage/cached_tokens"))
	e.stream = c.Attr("stream") == "true"
	e.model = c.Model
	if e.model == "" {
		var r struct {
			Model string `json:"model"`
		}
		if len(c.Request) > 0 && json.Unmarshal(c.Request, &r) == nil && r.Model != "" {
			e.model = r.Model
		} else {
			e.model = "unknown"
		}
	}
	e.status = statusOf(c)
	e.site = c.Site
	e.method = c.Method
	if e.method == "" {
		e.method = c.Attr("endpoint")
	}
	e.cost = callCost(c.CostUSD, c.HasCost, e.model, e.prompt, e.completion, e.cached)
	e.step, e.statusMessage = c.Step, c.StatusMessage
	e.requestID, e.errorType, e.apiType = c.Attr("request_id"), c.Attr("error_type"), c.Attr("api_type")
	return e
}

func (s *Snapshot) loaded(i int) refEntry {
	ix, e, ref := s.idx, &s.idx.entries[i], &s.Calls[i]
	return refEntry{start: e.start, end: e.end, latency: e.latency, ttft: e.ttft, cost: e.cost,
		prompt: e.prompt, completion: e.completion, total: e.total, cached: e.cached,
		model: ix.models.names[e.model], status: ix.statuses.names[e.status], site: ix.sites.names[e.site],
		method: ix.methods.names[e.method], stream: e.stream, step: ref.Step, statusMessage: ref.StatusMessage,
		requestID: ref.RequestID, errorType: ref.ErrorType, apiType: ix.apiTypes[i]}
}

// compareWithFromRow loads runDir and checks every call, and every row
// left out, against calls.FromRow over wandbfile.ReadRunDir's rows.
func compareWithFromRow(t *testing.T, runDir string, wantErrRows map[int]string) *Snapshot {
	t.Helper()
	snap, err := Load(runDir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := wandbfile.ReadRunDir(runDir)
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	errRows := map[int]string{}
	for row, h := range data.History {
		if _, ok := h["trace"]; !ok {
			continue
		}
		c, err := calls.FromRow(h)
		if err != nil {
			errRows[row] = err.Error()
			continue
		}
		if k >= len(snap.Calls) {
			t.Fatalf("row %d: FromRow reads a call the load left out", row)
		}
		if got, want := snap.loaded(k), reference(&c); got != want {
			t.Errorf("row %d (call %d):\n load    %+v\n FromRow %+v", row, k, got, want)
		}
		if snap.Calls[k].Row != row {
			t.Errorf("call %d: row %d, want %d", k, snap.Calls[k].Row, row)
		}
		full, err := snap.Call(k)
		if err != nil {
			t.Errorf("call %d: %v", k, err)
		} else if string(mustJSON(full.Row)) != string(mustJSON(c.Row)) {
			t.Errorf("call %d read again from the log differs:\n %s\n %s", k, mustJSON(full.Row), mustJSON(c.Row))
		}
		k++
	}
	if k != len(snap.Calls) {
		t.Errorf("load has %d calls, FromRow %d", len(snap.Calls), k)
	}
	if snap.HistoryRows != len(data.History) || snap.Records != len(data.Records) {
		t.Errorf("history rows %d records %d, want %d %d", snap.HistoryRows, snap.Records, len(data.History), len(data.Records))
	}
	if snap.RowErrors != len(errRows) {
		t.Errorf("load rejects %d rows (first: %s), FromRow %d: %v", snap.RowErrors, snap.FirstRowError, len(errRows), errRows)
	}
	for row, msg := range wantErrRows {
		if !strings.Contains(errRows[row], msg) {
			t.Errorf("row %d: FromRow error %q, want it to mention %q (the test's premise)", row, errRows[row], msg)
		}
	}
	return snap
}

func TestSummaryMatchesFromRowOnFixture(t *testing.T) {
	compareWithFromRow(t, smallRun(t), nil)
}

// spanJSON is a root span as the runtime writes it (struct field order),
// with extra fields merged in.
func spanJSON(attrs map[string]interface{}, extra map[string]interface{}) string {
	sp := map[string]interface{}{"span_id": "s", "name": "CreateChatCompletion", "start_time_ms": 1700000000000, "end_time_ms": 1700000000250,
		"status_code": "SUCCESS", "status_message": nil, "attributes": attrs, "results": []interface{}{map[string]interface{}{"inputs": map[string]string{"a": "b"}}},
		"child_spans": []interface{}{}, "span_kind": "LLM"}
	for k, v := range extra {
		sp[k] = v
	}
	return string(mustJSON(sp))
}

func traceValue(span string, dict string) map[string]interface{} {
	return map[string]interface{}{"_type": "wb_trace_tree", "model_hash": "abc", "model_dict_dumps": dict, "root_span_dumps": span}
}

// TestSummaryMatchesFromRowOnOddRows writes rows the runtime would not
// write but a reader must survive: escapes and non-ASCII text in every
// field, attributes of other types, missing and null fields, and rows
// FromRow rejects.
func TestSummaryMatchesFromRowOnOddRows(t *testing.T) {
	dict := `{"request":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"say \"hi\" \\ 😀 \u2028"}]},"response":{"model":"gpt-4o-mini-2024"},"_kind":"openai"}`
	base := map[string]interface{}{"method": "CreateChatCompletion", "model": "gpt-4o", "call_site": "/a/b.go:1 main.f", "stream": false, "api_type": "openai"}
	with := func(kv ...interface{}) map[string]interface{} {
		m := map[string]interface{}{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	rows := []map[string]interface{}{
		// 0: plain.
		{"usage/prompt_tokens": 10, "usage/completion_tokens": 5, "usage/total_tokens": 15, "usage/elapsed_time": 0.25, "trace": traceValue(spanJSON(base, nil), dict)},
		// 1: escapes, quotes, non-ASCII and a surrogate pair in the text fields.
		{"trace": traceValue(spanJSON(with("call_site", "C:\\src\\\"main\".go:3 main.é😀", "model", "mödel\t\"x\"", "request_id", "req\u2028</script>"),
			map[string]interface{}{"status_code": "error", "status_message": "boom \"quoted\" \\ \n ünïcode 😀"}), dict)},
		// 2: attributes of other types: a numeric model, stream as a string, ttft as a string, nested values.
		{"usage/cached_tokens": 3, "usage/prompt_tokens": 9, "trace": traceValue(spanJSON(with("model", 42, "stream", "true", "ttft_ms", "12.5",
			"ratelimit", map[string]interface{}{"x": []int{1, 2}}, "error_type", nil), nil), dict)},
		// 3: no model attribute: the model comes from the request; endpoint instead of method.
		{"trace": traceValue(spanJSON(with("model", nil, "method", nil, "endpoint", "/v1/chat/completions", "time_to_first_token_ms", -5, "ttft_ms", 7), nil), dict)},
		// 4: null status and attributes, no times: timing from the row.
		{"_timestamp": 1700000001.5, "usage/elapsed_time": 0.5, "trace": traceValue(spanJSON(nil, map[string]interface{}{"status_code": nil, "start_time_ms": nil, "end_time_ms": nil}), dict)},
		// 5: a row without a trace is not a call.
		{"loss": 0.5},
		// 6: wrong _type.
		{"trace": map[string]interface{}{"_type": "table", "root_span_dumps": spanJSON(base, nil)}},
		// 7: a span that is not JSON.
		{"trace": traceValue(`{"start_time_ms": 1, "attributes": {"model": "x"`, dict)},
		// 8: a time that is a string.
		{"trace": traceValue(spanJSON(base, map[string]interface{}{"start_time_ms": "soon"}), dict)},
		// 9: attributes that are a list.
		{"trace": traceValue(spanJSON(nil, map[string]interface{}{"attributes": []int{1}}), dict)},
		// 10: no root span at all.
		{"trace": map[string]interface{}{"_type": "wb_trace_tree"}},
		// 11: a trace that is not an object.
		{"trace": "wb_trace_tree"},
		// 12: a tool span (no usage), escaped keys in the span.
		{"trace": traceValue(strings.Replace(spanJSON(with("model", "text-embedding-3-small"), nil), `"status_code"`, `"status\u005fcode"`, 1), dict)},
		// 13: trailing garbage after the span.
		{"trace": traceValue(spanJSON(base, nil)+" x", dict)},
		// 14: results that are not a list.
		{"trace": traceValue(spanJSON(base, map[string]interface{}{"results": "none"}), dict)},
	}
	dir := t.TempDir()
	run, err := wandb.Init(wandb.Options{Dir: dir, Mode: "offline", Silent: true, Project: "odd"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		run.Log(r)
	}
	if err := run.Finish(); err != nil {
		t.Fatal(err)
	}
	snap := compareWithFromRow(t, run.Dir(), map[int]string{6: "_type", 7: "root_span_dumps", 8: "root_span_dumps", 9: "root_span_dumps",
		10: "root_span_dumps", 11: "trace", 13: "root_span_dumps", 14: "root_span_dumps"})
	if len(snap.Calls) != 6 {
		t.Errorf("%d calls, want the 6 good rows", len(snap.Calls))
	}
}

// TestCallNoticesAReplacedLog: a snapshot's offsets belong to the log it
// read; a call opened after the log was replaced is an error, not the
// wrong call.
func TestCallNoticesAReplacedLog(t *testing.T) {
	src := smallRun(t)
	file, _ := runLog(src)
	dir := t.TempDir()
	dst := filepath.Join(dir, filepath.Base(file))
	b, _ := os.ReadFile(file)
	os.WriteFile(dst, b, 0o644)
	snap, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snap.Call(3); err != nil {
		t.Fatal(err)
	}
	// Another run's log: call 3's offset now holds a different step.
	other := writeFixture(t, t.TempDir(), fixture{n: 30, finish: true})
	ob, _ := os.ReadFile(mustRunLog(t, other))
	time.Sleep(10 * time.Millisecond)
	os.WriteFile(dst, ob, 0o644)
	if _, err := snap.Call(len(snap.Calls) - 1); err == nil {
		t.Fatal("a call past the end of the new log was read without error")
	}
	if _, err := snap.Call(-1); err == nil {
		t.Fatal("call -1 read")
	}
}

func mustRunLog(t *testing.T, dir string) string {
	f, err := runLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestSearchTextMatchesFullDecode rebuilds the haystack the way the
// index did from fully decoded calls and compares it with searchText.
func TestSearchTextMatchesFullDecode(t *testing.T) {
	snap := mustLoad(t, smallRun(t))
	hay, err := snap.searchText()
	if err != nil {
		t.Fatal(err)
	}
	capped := func(raw json.RawMessage) string {
		if len(raw) > maxSearchBody {
			raw = raw[:maxSearchBody]
		}
		return string(raw)
	}
	for i := range snap.Calls {
		c, err := snap.Call(i)
		if err != nil {
			t.Fatal(err)
		}
		r := reference(&c)
		var b strings.Builder
		for _, s := range []string{r.site, r.method, r.model, r.status, c.StatusMessage, c.Attr("request_id"), c.Attr("error_type")} {
			b.WriteString(s)
			b.WriteByte('\n')
		}
		b.WriteString(capped(c.Request))
		b.WriteByte('\n')
		b.WriteString(capped(c.Response))
		if want := strings.ToLower(b.String()); hay[i] != want {
			t.Fatalf("call %d search text:\n got %q\nwant %q", i, hay[i], want)
		}
	}
}

func TestRadixOrderIsAStableSort(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 2, 3, 100, 5000} {
		floats := make([]float64, n)
		for i := range floats {
			switch rng.Intn(4) {
			case 0:
				floats[i] = float64(rng.Intn(5)) // many ties
			case 1:
				floats[i] = -rng.Float64() * 1e6
			case 2:
				floats[i] = rng.Float64() * 1e12
			default:
				floats[i] = -1
			}
		}
		keys := make([]uint64, n)
		for i, f := range floats {
			keys[i] = floatKey(f)
		}
		got := radixOrder(keys)
		want := make([]int32, n)
		for i := range want {
			want[i] = int32(i)
		}
		sort.SliceStable(want, func(a, b int) bool { return floats[want[a]] < floats[want[b]] })
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("n=%d: position %d holds %d (%v), want %d (%v)", n, i, got[i], floats[got[i]], want[i], floats[want[i]])
			}
		}
	}
	ints := []int64{5, -3, 0, -3, 1 << 40, -(1 << 40), 5}
	keys := make([]uint64, len(ints))
	for i, v := range ints {
		keys[i] = intKey(v)
	}
	if got := radixOrder(keys); !equalInt32(got, []int32{5, 1, 3, 2, 0, 6, 4}) {
		t.Fatalf("int order %v", got)
	}
}

func equalInt32(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

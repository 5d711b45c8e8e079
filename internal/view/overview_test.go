package view

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/otlp"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// TestOverviewLatencyPercentiles checks the run's p50 and p99, which the
// overview reads from the latency order of the index, against the
// generator's latencies.
func TestOverviewLatencyPercentiles(t *testing.T) {
	_, hs := newTestServer(t, smallRun(t))
	var ov Overview
	getJSON(t, hs, "/api/overview", 200, &ov)
	lat := make([]float64, smallN)
	for k := range lat {
		lat[k] = expLatency(k)
	}
	sort.Float64s(lat)
	rank := func(p float64) float64 { // the ceil(p*n)-th value
		r := int(p * float64(len(lat)))
		if float64(r) < p*float64(len(lat)) {
			r++
		}
		return lat[r-1]
	}
	if ov.Totals.LatencyP50 != rank(0.5) || ov.Totals.LatencyP99 != rank(0.99) {
		t.Errorf("p50/99 %v %v, want %v %v", ov.Totals.LatencyP50, ov.Totals.LatencyP99, rank(0.5), rank(0.99))
	}
}

// TestOverviewSpans: the overview counts the spans a run kept for Weave
// and those sync has sent.
func TestOverviewSpans(t *testing.T) {
	dir := writeFixture(t, t.TempDir(), fixture{n: 5, finish: true})
	spool := filepath.Join(dir, filepath.FromSlash(wbopenai.SpoolName))
	var spans [][]byte
	for i := 0; i < 5; i++ {
		s := otlp.Span{Name: "chat m", Kind: otlp.KindClient, Start: time.Unix(1, 0), End: time.Unix(2, 0)}
		s.TraceID, s.SpanID = otlp.NewIDs()
		spans = append(spans, s.Append(nil))
	}
	if err := otlp.AppendSpool(spool, spans); err != nil {
		t.Fatal(err)
	}
	_, ends, _ := otlp.ReadSpool(spool, 0)
	if err := os.WriteFile(spool+".sent", []byte(strconv.FormatInt(ends[1], 10)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, hs := newTestServer(t, dir)
	var ov Overview
	getJSON(t, hs, "/api/overview", 200, &ov)
	if ov.Spans == nil || ov.Spans.Kept != 5 || ov.Spans.Sent != 2 || ov.Spans.Path != spool {
		t.Fatalf("spans %+v", ov.Spans)
	}
}

// TestPricedWith: the overview names the table the runtime priced the
// run with, from its config, and says so when the run has no costs.
func TestPricedWith(t *testing.T) {
	for _, c := range []struct{ config, want string }{
		{`{"version":1,"as_of":"2025-08-15","source":"https://platform.openai.com/docs/pricing"}`, "the built-in table v1 (list prices of 2025-08-15)"},
		{`{"version":1,"as_of":"2025-08-15","override":"/etc/prices.json","override_version":"acme"}`, "the built-in table v1 (list prices of 2025-08-15) and /etc/prices.json (acme)"},
		{`{"error":"p.json:3: bad","costs":"off"}`, "no prices (p.json:3: bad)"},
		{``, ""},
	} {
		if got := pricedWith(json.RawMessage(c.config)); got != c.want {
			t.Errorf("pricedWith(%s) = %q, want %q", c.config, got, c.want)
		}
	}
}

// TestOverviewEnvironment checks the run page lists the environment the
// runtime recorded: what W&B's Overview shows, and the Go facts.
func TestOverviewEnvironment(t *testing.T) {
	for _, k := range []string{"WANDB_MODE", "WANDB_API_KEY", "WANDB_DIR", "WANDB_RUN_ID"} {
		t.Setenv(k, "")
	}
	r, err := wandb.Init(wandb.Options{Dir: t.TempDir(), Mode: "offline", Silent: true,
		Config: map[string]interface{}{"model": "gpt-4o"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Log(map[string]interface{}{"x": 1})
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	_, hs := newTestServer(t, r.Dir())
	var ov Overview
	getJSON(t, hs, "/api/overview", 200, &ov)
	got := map[string]string{}
	for _, kv := range ov.Environment {
		got[kv.Key] = kv.Value
	}
	exe, _ := os.Executable()
	if got["executable"] != exe || got["go"] != runtime.Version() || got["os"] == "" || got["command"] == "" || got["cpus"] == "" {
		t.Errorf("environment %v", ov.Environment)
	}
}

package view

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/otlp"
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

package view

import (
	"sort"
	"testing"
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

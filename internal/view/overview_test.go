package view

import (
	"encoding/json"
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

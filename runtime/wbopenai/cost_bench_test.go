package wbopenai

import (
	"net/http"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/prices"
)

// logRows is the logging goroutine's work for n chat calls, priced with
// table (nil: costs off), as benchLog does it.
func logRows(n int, table *prices.Table, req, resp []byte) {
	u, _ := url.Parse("https://api.openai.com/v1/chat/completions")
	s, _ := pricedSession(table)
	hdr := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_bench"}}
	for i := 0; i < n; i++ {
		ev := &event{kind: kindChat, method: "POST", url: u, start: time.Unix(1700000000, 0), end: time.Unix(1700000001, 0),
			site: "main.go:1 main.main", reqBody: req, status: 200, respHeader: hdr, resp: newCapture(int64(len(resp)))}
		ev.resp.write(resp)
		s.log(ev, time.Now().Add(time.Minute))
		ev.resp.release()
		if i%1000 == 999 {
			s.run = &fakeSink{}
		}
	}
}

// BenchmarkCostPerCall measures what pricing adds to the logging
// goroutine's work per call (a short chat call, where it weighs most):
// rounds of b.N calls without and with costs, alternated so that both see
// the same machine, reporting the median of each, the difference in ns
// per call and the ratio.
func BenchmarkCostPerCall(b *testing.B) {
	req, resp := benchChat(40)
	const rounds = 7
	var off, on []float64
	b.ReportAllocs()
	for r := 0; r < rounds; r++ {
		for _, table := range []*prices.Table{nil, prices.Default()} {
			start := time.Now()
			logRows(b.N, table, req, resp)
			ns := float64(time.Since(start).Nanoseconds()) / float64(b.N)
			if table == nil {
				off = append(off, ns)
			} else {
				on = append(on, ns)
			}
		}
	}
	sort.Float64s(off)
	sort.Float64s(on)
	base, priced := off[rounds/2], on[rounds/2]
	b.ReportMetric(base, "ns/call-without-cost")
	b.ReportMetric(priced, "ns/call-with-cost")
	b.ReportMetric(priced-base, "ns/call-added")
	b.ReportMetric(priced/base, "ratio")
}

// BenchmarkPriceCall is pricing alone, as log does it for a call already
// analyzed: the table lookup, the three row keys and the totals. It is
// the part of BenchmarkCostPerCall's difference that the noise of a whole
// row (tens of µs) hides.
func BenchmarkPriceCall(b *testing.B) {
	req, resp := benchChat(40)
	u, _ := url.Parse("https://api.openai.com/v1/chat/completions")
	ev := &event{kind: kindChat, method: "POST", url: u, start: time.Unix(1700000000, 0), end: time.Unix(1700000001, 0),
		reqBody: req, status: 200, respHeader: http.Header{"Content-Type": {"application/json"}}, resp: newCapture(int64(len(resp)))}
	ev.resp.write(resp)
	c := analyze(ev)
	s, _ := pricedSession(prices.Default())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		row := make(map[string]interface{}, 8)
		cost := s.cost.price(c)
		cost.addTo(row)
		s.totals.add(c, cost)
	}
}

// BenchmarkPriceCallBaseline is BenchmarkPriceCall without prices: the
// row map and the token totals only.
func BenchmarkPriceCallBaseline(b *testing.B) {
	req, resp := benchChat(40)
	u, _ := url.Parse("https://api.openai.com/v1/chat/completions")
	ev := &event{kind: kindChat, method: "POST", url: u, start: time.Unix(1700000000, 0), end: time.Unix(1700000001, 0),
		reqBody: req, status: 200, respHeader: http.Header{"Content-Type": {"application/json"}}, resp: newCapture(int64(len(resp)))}
	ev.resp.write(resp)
	c := analyze(ev)
	s, _ := pricedSession(nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		row := make(map[string]interface{}, 8)
		cost := s.cost.price(c)
		cost.addTo(row)
		s.totals.add(c, cost)
	}
}

package wbopenai

import (
	"net/http"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/prices"
)

// rowLogger logs chat calls through one session, priced with a table
// (nil: costs off), as benchLog does.
type rowLogger struct {
	s         *session
	u         *url.URL
	hdr       http.Header
	req, resp []byte
	n         int
}

func newRowLogger(table *prices.Table, req, resp []byte) *rowLogger {
	u, _ := url.Parse("https://api.openai.com/v1/chat/completions")
	s, _ := pricedSession(table)
	return &rowLogger{s: s, u: u, hdr: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_bench"}}, req: req, resp: resp}
}

func (l *rowLogger) log(n int) {
	for i := 0; i < n; i++ {
		ev := &event{kind: kindChat, method: "POST", url: l.u, start: time.Unix(1700000000, 0), end: time.Unix(1700000001, 0),
			site: "main.go:1 main.main", reqBody: l.req, status: 200, respHeader: l.hdr, resp: newCapture(int64(len(l.resp)))}
		ev.resp.write(l.resp)
		l.s.log(ev, time.Now().Add(time.Minute))
		ev.resp.release()
		if l.n++; l.n%1000 == 0 {
			l.s.run = &fakeSink{}
		}
	}
}

// BenchmarkCostPerCall measures what pricing adds to the logging
// goroutine's work per call (a short chat call, where it weighs most):
// b.N calls without and b.N with costs, alternated in batches of 16 (which
// side goes first alternating too) so that both see the same machine
// load. Each side's time per call is the 10th percentile of its batches:
// on a shared machine most batches are slowed by other processes, the
// fastest ones much less. It reports both, the difference and the ratio.
func BenchmarkCostPerCall(b *testing.B) {
	req, resp := benchChat(40)
	off, on := newRowLogger(nil, req, resp), newRowLogger(prices.Default(), req, resp)
	const batch = 16
	var tOff, tOn []float64
	b.ReportAllocs()
	for done, k := 0, 0; done < b.N; k++ {
		n := batch
		if b.N-done < n {
			n = b.N - done
		}
		first, second, t1, t2 := off, on, &tOff, &tOn
		if k%2 == 1 {
			first, second, t1, t2 = on, off, &tOn, &tOff
		}
		start := time.Now()
		first.log(n)
		mid := time.Now()
		second.log(n)
		end := time.Now()
		*t1 = append(*t1, float64(mid.Sub(start).Nanoseconds())/float64(n))
		*t2 = append(*t2, float64(end.Sub(mid).Nanoseconds())/float64(n))
		done += n
	}
	p10 := func(v []float64) float64 {
		sort.Float64s(v)
		return v[len(v)/10]
	}
	base, priced := p10(tOff), p10(tOn)
	b.ReportMetric(base, "ns/call-without-cost")
	b.ReportMetric(priced, "ns/call-with-cost")
	b.ReportMetric(priced-base, "ns/call-added")
	b.ReportMetric(priced/base, "ratio")
}

// benchRowKeys builds a row's map as log does, with the keys of a chat
// call, and prices the call.
func benchRowKeys(s *session, c *callInfo) {
	row := s.cost.newRow()
	row["usage/elapsed_time"] = 1.0
	row["usage/prompt_tokens"] = c.usage.prompt
	row["usage/completion_tokens"] = c.usage.completion
	row["usage/total_tokens"] = c.usage.total
	cost := s.cost.price(c)
	cost.addTo(row)
	row["trace"] = benchSink
	row["stats"] = benchSink
	s.totals.add(c, cost)
	benchSink = row
}

var benchSink interface{}

// BenchmarkPriceCall is pricing alone, as log does it for a call already
// analyzed: the table lookup, the three row keys (and the bigger map made
// for them) and the totals. It is the part of BenchmarkCostPerCall's
// difference that the noise of a whole row (tens of µs) can hide.
func BenchmarkPriceCall(b *testing.B) {
	req, resp := benchChat(40)
	c := analyze(jsonCall("https://api.openai.com/v1/chat/completions", req, resp, time.Unix(1700000000, 0), time.Unix(1700000001, 0)))
	s, _ := pricedSession(prices.Default())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		benchRowKeys(s, c)
	}
}

// BenchmarkPriceCallBaseline is BenchmarkPriceCall without prices: the
// row map and the token totals only.
func BenchmarkPriceCallBaseline(b *testing.B) {
	req, resp := benchChat(40)
	c := analyze(jsonCall("https://api.openai.com/v1/chat/completions", req, resp, time.Unix(1700000000, 0), time.Unix(1700000001, 0)))
	s, _ := pricedSession(nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		benchRowKeys(s, c)
	}
}

package wbopenai

import (
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/otlp"
)

// BenchmarkSpanAddedCost times the logging goroutine's work per call
// (analysis, trace, table cells and, with spans, the span's attributes,
// content and encoding and its hand-off to the exporter) with and without
// span export, interleaved in one run, and reports both and their ratio.
// The caller's path does not change: spans are built off it.
func BenchmarkSpanAddedCost(b *testing.B) {
	small, _ := benchChat(40)
	_, smallResp := benchChat(40)
	big, bigResp := benchChat(2 << 10)
	sreq, sresp := benchStream()
	for _, c := range []struct {
		name      string
		stream    bool
		req, resp []byte
	}{{"small", false, small, smallResp}, {"2KiB", false, big, bigResp}, {"stream", true, sreq, sresp}} {
		b.Run(c.name, func(b *testing.B) {
			u, _ := url.Parse("https://api.openai.com/v1/chat/completions")
			ct := "application/json"
			if c.stream {
				ct = "text/event-stream"
			}
			hdr := http.Header{"Content-Type": {ct}, "X-Request-Id": {"req_bench"}}
			exp := otlp.NewExporter(otlp.Options{Spool: filepath.Join(b.TempDir(), "spans.otlp")})
			defer exp.Shutdown(time.Now().Add(10 * time.Second))
			plain := &session{run: &nullSink{}, id: "bench", bodies: bodyPolicy{max: defaultMaxBody}}
			spans := &session{run: &nullSink{}, id: "bench", bodies: bodyPolicy{max: defaultMaxBody},
				otel: &spanExport{runID: "bench", weave: exp, weaveContent: true}}
			one := func(s *session) time.Duration {
				ev := &event{kind: kindChat, method: "POST", url: u, start: time.Unix(1700000000, 0), end: time.Unix(1700000001, 0),
					site: "main.go:1 main.main", reqBody: c.req, status: 200, respHeader: hdr, resp: newCapture(int64(len(c.resp))), stream: c.stream}
				if c.stream {
					ev.firstByte = time.Unix(1700000000, 300e6)
				}
				ev.resp.write(c.resp)
				t0 := time.Now()
				s.log(ev, time.Now().Add(time.Minute))
				d := time.Since(t0)
				ev.resp.release()
				return d
			}
			var base, with time.Duration
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				base += one(plain)
				with += one(spans)
				if i%1000 == 999 {
					plain.run, spans.run = &nullSink{}, &nullSink{}
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(base.Nanoseconds())/n, "ns/call-base")
			b.ReportMetric(float64(with.Nanoseconds())/n, "ns/call-spans")
			b.ReportMetric(float64((with-base).Nanoseconds())/n, "added-ns/call")
			b.ReportMetric(float64(with)/float64(base), "ratio")
		})
	}
}

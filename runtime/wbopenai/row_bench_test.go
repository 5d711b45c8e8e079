package wbopenai

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// BenchmarkLogRow is the logging goroutine's work for one chat call with
// 2 KiB prompt and answer, up to the stats table (the fake sink writes no
// file): analysis, trace and table cells.
func BenchmarkLogRow(b *testing.B) {
	req, _ := json.Marshal(map[string]interface{}{"model": "gpt-4o-mini",
		"messages": []interface{}{map[string]interface{}{"role": "user", "content": strings.Repeat("q", 2<<10)}}})
	resp, _ := json.Marshal(map[string]interface{}{"id": "chatcmpl-b", "object": "chat.completion", "model": "gpt-4o-mini",
		"choices": []interface{}{map[string]interface{}{"index": 0, "finish_reason": "stop",
			"message": map[string]interface{}{"role": "assistant", "content": strings.Repeat("a", 2<<10)}}},
		"usage": map[string]interface{}{"prompt_tokens": 512, "completion_tokens": 512, "total_tokens": 1024}})
	u, _ := url.Parse("https://api.openai.com/v1/chat/completions")
	s := &session{run: &fakeSink{}, id: "bench", bodies: bodyPolicy{max: defaultMaxBody}}
	hdr := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_bench"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ev := &event{kind: kindChat, method: "POST", url: u, start: time.Unix(1700000000, 0), end: time.Unix(1700000001, 0),
			site: "main.go:1 main.main", reqBody: req, status: 200, respHeader: hdr, resp: newCapture(int64(len(resp)))}
		ev.resp.write(resp)
		s.log(ev)
		ev.resp.release()
		if i%1000 == 999 {
			s.run = &fakeSink{}
		}
	}
}

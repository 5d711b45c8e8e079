package wbopenai

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// benchChat returns a chat request and its answer with prompt and answer
// text of n bytes each.
func benchChat(n int) (req, resp []byte) {
	req, _ = json.Marshal(map[string]interface{}{"model": "gpt-4o-mini",
		"messages": []interface{}{map[string]interface{}{"role": "user", "content": strings.Repeat("q", n)}}})
	resp, _ = json.Marshal(map[string]interface{}{"id": "chatcmpl-b", "object": "chat.completion", "model": "gpt-4o-mini",
		"choices": []interface{}{map[string]interface{}{"index": 0, "finish_reason": "stop",
			"message": map[string]interface{}{"role": "assistant", "content": strings.Repeat("a", n)}}},
		"usage": map[string]interface{}{"prompt_tokens": 512, "completion_tokens": 512, "total_tokens": 1024}})
	return req, resp
}

// benchStream is a chat stream of 5 chunks as the server sends it with
// include_usage: three content deltas, the finish reason, the usage.
func benchStream() (req, resp []byte) {
	req = []byte(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello in three words."}],"stream":true}`)
	var b strings.Builder
	chunk := func(choices, usage string) {
		b.WriteString(`data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":` +
			choices + `,"usage":` + usage + "}\n\n")
	}
	for _, w := range []string{"Hello", " there", " friend."} {
		chunk(`[{"index":0,"delta":{"content":"`+w+`"},"logprobs":null,"finish_reason":null}]`, "null")
	}
	chunk(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]`, "null")
	chunk(`[]`, `{"prompt_tokens":14,"completion_tokens":3,"total_tokens":17}`)
	b.WriteString("data: [DONE]\n\n")
	return req, []byte(b.String())
}

// benchLog is the logging goroutine's work for one call, up to the stats
// table (the fake sink writes no file): analysis, trace and table cells.
func benchLog(b *testing.B, stream bool, req, resp []byte) {
	u, _ := url.Parse("https://api.openai.com/v1/chat/completions")
	s := &session{run: &nullSink{}, id: "bench", bodies: bodyPolicy{max: defaultMaxBody}}
	ct := "application/json"
	if stream {
		ct = "text/event-stream"
	}
	hdr := http.Header{"Content-Type": {ct}, "X-Request-Id": {"req_bench"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ev := &event{kind: kindChat, method: "POST", url: u, start: time.Unix(1700000000, 0), end: time.Unix(1700000001, 0),
			site: "main.go:1 main.main", reqBody: req, status: 200, respHeader: hdr, resp: newCapture(int64(len(resp))), stream: stream}
		if stream {
			ev.firstByte = time.Unix(1700000000, 300e6)
		}
		ev.resp.write(resp)
		s.log(ev, time.Now().Add(time.Minute))
		ev.resp.release()
		if i%1000 == 999 {
			s.run = &nullSink{}
		}
	}
}

// BenchmarkLogRow is one chat call with 2 KiB prompt and answer.
func BenchmarkLogRow(b *testing.B) {
	req, resp := benchChat(2 << 10)
	benchLog(b, false, req, resp)
}

// BenchmarkLogRowSmall is one chat call with a short prompt and answer.
func BenchmarkLogRowSmall(b *testing.B) {
	req, resp := benchChat(40)
	benchLog(b, false, req, resp)
}

// BenchmarkLogRowStream is one streamed chat call of 5 chunks.
func BenchmarkLogRowStream(b *testing.B) {
	req, resp := benchStream()
	benchLog(b, true, req, resp)
}

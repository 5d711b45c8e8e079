package wbopenai

import (
	"encoding/json"
	"strings"
	"testing"
)

// BenchmarkDecodeResponse keeps the evidence for jcur, the scanner the
// logging goroutine reads responses with (jsonscan.go): the same chat
// response, with a 2 KiB answer and a tool call, decoded by the scanner
// and by encoding/json into the same struct.
func BenchmarkDecodeResponse(b *testing.B) {
	body := []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1733000000,"model":"gpt-4o-mini-2024-07-18",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":"` + strings.Repeat("lorem ipsum ", 170) + `",` +
		`"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},` +
		`"logprobs":null,"finish_reason":"tool_calls"}],` +
		`"usage":{"prompt_tokens":120,"completion_tokens":410,"total_tokens":530,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},` +
		`"system_fingerprint":"fp_1"}`)
	b.Run("scanner", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			var r responseJSON
			if scanned, err := decodeResponse(body, &r); !scanned || err != nil || r.Model == "" {
				b.Fatalf("scanned %v, %v, %+v", scanned, err, r)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			var r responseJSON
			if err := json.Unmarshal(body, &r); err != nil || r.Model == "" {
				b.Fatalf("%v, %+v", err, r)
			}
		}
	})
}

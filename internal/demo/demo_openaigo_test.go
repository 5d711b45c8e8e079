package demo

import (
	"bytes"
	"testing"
)

// TestEndToEndOpenAIGo is TestEndToEnd for the openai-go example: same
// output rewritten or not, and one row per logical call (a call the SDK
// retried is one row) with the server's token counts.
func TestEndToEndOpenAIGo(t *testing.T) {
	_, _, res := runBaseAndDemo(t, WriteProgramOpenAIGo, SDKOpenAIGo)
	// Two questions, a stream, embeddings, a Responses call, a call
	// retried once and a 400: 7 calls, 8 requests.
	if len(res.Calls) != 7 || res.ServerCalls != 8 {
		t.Errorf("%d rows for %d requests, want 7 rows for 8 requests", len(res.Calls), res.ServerCalls)
	}
	if errs := checkRows(t, res); errs != 1 {
		t.Errorf("%d calls logged as ERROR, want 1 (the 400)", errs)
	}
	var out bytes.Buffer
	PrintSummary(&out, res)
	t.Logf("%s\n%s", res.Output, out.String())
}

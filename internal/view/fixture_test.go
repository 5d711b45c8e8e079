package view

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// xssPrompt must show up on the page as text, never as markup.
const xssPrompt = `<script>alert(1)</script><img src=x onerror=alert(2)>`

// fixture describes a generated run.
type fixture struct {
	n      int
	tables bool // write a stats table file per call (slow for 100k)
	batch  int  // else write one table per batch of this many calls, with the batch's last call
	finish bool // write the exit record
}

var fixtureModels = []string{"gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "my-custom-model"}

// fixtureCall is call k of a generated run, in the row schema the
// wbopenai runtime writes. Calls overlap (a new one every 30 ms, each
// 50 to 800 ms long), every 17th fails, every 3rd streams; call 1 carries
// the XSS prompt and call 7 a tool call.
func fixtureCall(k int, base time.Time, s *wandb.Step, tables bool) map[string]interface{} {
	model := fixtureModels[k%len(fixtureModels)]
	failed := k%17 == 5
	stream := k%3 == 0 && model != "text-embedding-3-small"
	site := fmt.Sprintf("/src/app/main.go:%d main.%s", 20+k%7*10, []string{"ask", "summarize", "classify", "embed", "chat", "plan", "route"}[k%7])
	start := float64(base.UnixNano())/1e6 + float64(k)*30
	latency := 50 + float64((k*7919)%750)
	end := start + latency
	prompt := fmt.Sprintf("Question %d: what is the capital of country %d?", k, k%200)
	if k == 1 {
		prompt = xssPrompt
	}
	req := map[string]interface{}{
		"model":       model,
		"messages":    []map[string]string{{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": prompt}},
		"temperature": 0.7,
	}
	if stream {
		req["stream"] = true
	}
	pt, ct := 20+k%50, 5+k%120
	var resp map[string]interface{}
	attrs := map[string]interface{}{
		"method": "CreateChatCompletion", "model": model, "call_site": site,
		"request_id": fmt.Sprintf("req_%06d", k), "stream": stream, "api_type": "openai",
		"x-ratelimit-remaining-requests": fmt.Sprint(10000 - k%10000), "x-ratelimit-limit-requests": "10000",
	}
	if stream {
		attrs["method"] = "CreateChatCompletionStream"
		attrs["time_to_first_token_ms"] = latency / 4
	}
	statusCode, statusMsg := "SUCCESS", ""
	switch {
	case failed:
		statusCode, statusMsg = "ERROR", "error, status code: 429, message: Rate limit reached for requests"
		attrs["http_status"] = 429
		attrs["error_type"] = "rate_limit_exceeded"
		resp = map[string]interface{}{"error": map[string]interface{}{"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}}
		pt, ct = 0, 0
	case model == "text-embedding-3-small":
		attrs["method"] = "CreateEmbeddings"
		req = map[string]interface{}{"model": model, "input": []string{prompt}}
		resp = map[string]interface{}{"object": "list", "model": model, "data": []map[string]interface{}{{"embedding": []float64{0.1, 0.2, 0.3}}}}
		ct = 0
	case k == 7:
		resp = map[string]interface{}{"id": "chatcmpl-7", "object": "chat.completion", "model": model + "-2024-08-06",
			"choices": []map[string]interface{}{{"index": 0, "finish_reason": "tool_calls", "message": map[string]interface{}{"role": "assistant", "content": nil,
				"tool_calls": []map[string]interface{}{{"id": "call_abc", "type": "function", "function": map[string]string{"name": "get_weather", "arguments": `{"city":"Paris"}`}}}}}}}
		attrs["finish_reasons"] = []string{"tool_calls"}
	default:
		resp = map[string]interface{}{"id": fmt.Sprintf("chatcmpl-%d", k), "object": "chat.completion", "model": model + "-2024-08-06",
			"choices": []map[string]interface{}{{"index": 0, "finish_reason": "stop", "message": map[string]interface{}{"role": "assistant", "content": fmt.Sprintf("Answer %d: the capital is City %d.", k, k%200)}}}}
		attrs["finish_reasons"] = []string{"stop"}
	}
	if !failed {
		resp["usage"] = map[string]int{"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}
	}
	dict := map[string]interface{}{"request": req, "response": resp, "_kind": "openai"}
	dictJSON, _ := json.Marshal(dict)
	sum := md5.Sum(dictJSON)
	span := map[string]interface{}{
		"span_id": fmt.Sprintf("span-%d", k), "name": attrs["method"], "start_time_ms": start, "end_time_ms": end,
		"status_code": statusCode, "status_message": statusMsg, "attributes": attrs,
		"results": []map[string]interface{}{{"inputs": req, "outputs": resp}}, "child_spans": []interface{}{}, "span_kind": "LLM",
	}
	spanJSON, _ := json.Marshal(span)
	row := map[string]interface{}{
		"usage/prompt_tokens": pt, "usage/completion_tokens": ct, "usage/total_tokens": pt + ct,
		"usage/elapsed_time": latency / 1000,
		"trace": map[string]interface{}{"_type": "wb_trace_tree", "model_hash": hex.EncodeToString(sum[:])[:16],
			"model_dict_dumps": string(dictJSON), "root_span_dumps": string(spanJSON)},
	}
	if k%5 == 0 && !failed {
		row["usage/cached_tokens"] = pt / 2
	}
	if model == "gpt-4o" && !failed {
		// As a price file's negotiated $1 per million tokens would log it:
		// not the table's price, so tests can tell the two apart.
		row["cost/usd"] = float64(pt+ct) / 1e6
	}
	if tables && s != nil {
		ref, err := s.Table("stats", []string{"request", "response", "model", "start_time", "end_time", "request_id", "api_type", "session_id", "elapsed_time", "prompt_tokens", "completion_tokens", "total_tokens"},
			[][]interface{}{{string(mustJSON(req)), string(mustJSON(resp)), model, start / 1000, end / 1000, attrs["request_id"], "openai", "sess1", latency / 1000, pt, ct, pt + ct}})
		if err == nil {
			row["stats"] = ref
		}
	}
	return row
}

func mustJSON(v interface{}) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// writeFixture writes a run of f.n calls with the project's own W&B
// writer and returns its run directory.
func writeFixture(tb testing.TB, dir string, f fixture) string {
	tb.Helper()
	run, err := wandb.Init(wandb.Options{Dir: dir, Mode: "offline", Silent: true, Project: "view-test", Name: "fixture-run",
		Config: map[string]interface{}{"instrumented_by": "wbinstrument", "calls": f.n}})
	if err != nil {
		tb.Fatal(err)
	}
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	run.DefineMetric("usage/*", "_timestamp")
	// The run drops rows when its queue is full (a program must never
	// block on logging); the fixture wants every row, so it keeps the
	// number of rows not yet built well under the queue's capacity.
	var built int64
	var pending [][]interface{} // the batch's rows, on the writer goroutine
	for k := 0; k < f.n; k++ {
		k := k
		for int64(k)-atomic.LoadInt64(&built) > 4000 {
			time.Sleep(time.Millisecond)
		}
		run.LogFunc(func(s *wandb.Step) map[string]interface{} {
			atomic.AddInt64(&built, 1)
			row := fixtureCall(k, base, s, f.tables)
			if f.batch > 0 {
				pending = append(pending, []interface{}{fmt.Sprintf("call %d", k), s.Num})
				if len(pending) == f.batch {
					if ref, err := s.Table("stats", []string{"call", "step"}, pending); err == nil {
						row["stats"] = ref
					}
					pending = nil
				}
			}
			return row
		})
	}
	run.UpdateSummary(map[string]interface{}{"calls": f.n})
	if f.finish {
		if err := run.Finish(); err != nil {
			tb.Fatal(err)
		}
	} else {
		// Leave the run unfinished, as a program still running would:
		// wait for the rows to reach the file without an exit record.
		deadline := time.Now().Add(20 * time.Second)
		for {
			d, _ := wandbfile.ReadRunDir(run.Dir())
			if d != nil && len(d.History) == f.n || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return run.Dir()
}

// fixtureDir caches generated runs per size within one test binary; the
// browser tests ask for them from parallel subtests.
var (
	fixtureMu   sync.Mutex
	fixtureDirs = map[fixture]string{}
)

func cachedFixture(tb testing.TB, f fixture) string {
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if d, ok := fixtureDirs[f]; ok {
		return d
	}
	d := writeFixture(tb, filepath.Join(sharedTemp(tb), fmt.Sprintf("run-%d-%v-%v", f.n, f.tables, f.finish)), f)
	fixtureDirs[f] = d
	return d
}

package openaitest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

func TestChatRow(t *testing.T) {
	e := start(t)
	resp, err := e.instrumented().CreateChatCompletion(context.Background(), chatReq(openai.GPT4oMini, "What is W&B?"))
	if err != nil {
		t.Fatal(err)
	}
	rd := e.finish()
	rs := rows(rd)
	if len(rs) != 1 {
		t.Fatalf("%d rows, want 1", len(rs))
	}
	r := rs[0]
	if r.int(t, "usage/prompt_tokens") != resp.Usage.PromptTokens ||
		r.int(t, "usage/completion_tokens") != resp.Usage.CompletionTokens ||
		r.int(t, "usage/total_tokens") != resp.Usage.TotalTokens || resp.Usage.TotalTokens == 0 {
		t.Errorf("usage in row differs from the response %+v: %v", resp.Usage, r)
	}
	if r.int(t, "usage/cached_tokens") != 0 || !r.has("usage/elapsed_time") {
		t.Errorf("row lacks cached_tokens/elapsed_time: %v", r)
	}
	sp, dict := r.trace(t)
	if sp.StatusCode != "SUCCESS" || sp.SpanKind != "LLM" || sp.Name != "CreateChatCompletion" {
		t.Errorf("span %+v", sp)
	}
	if sp.attr("model") != openai.GPT4oMini || sp.attr("request_id") != resp.Header().Get("x-request-id") ||
		sp.attr("x-ratelimit-remaining-requests") != "9999" || sp.attr("http_status") != "200" {
		t.Errorf("attributes %v", sp.Attributes)
	}
	// Call sites are relative to the module root, and openaitest is a
	// module of its own.
	if site := sp.attr("call_site"); !strings.HasPrefix(site, "llm_test.go:") || !strings.HasSuffix(site, " openaitest.TestChatRow") {
		t.Errorf("call_site = %q", site)
	}
	var respDict struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
	}
	if json.Unmarshal(dict["response"], &respDict) != nil || respDict.Choices[0].Message.Content != resp.Choices[0].Message.Content {
		t.Errorf("model_dict response %s", dict["response"])
	}
	var reqDict openai.ChatCompletionRequest
	if json.Unmarshal(dict["request"], &reqDict) != nil || reqDict.Messages[0].Content != "What is W&B?" {
		t.Errorf("model_dict request %s", dict["request"])
	}
	var stats struct {
		Type  string `json:"_type"`
		Path  string `json:"path"`
		NCols int    `json:"ncols"`
	}
	if err := json.Unmarshal(r["stats"], &stats); err != nil || stats.Type != "table-file" || stats.NCols != 14 {
		t.Fatalf("stats %s: %v", r["stats"], err)
	}
	tb, err := os.ReadFile(filepath.Join(filepath.Dir(rd.Path), "files", stats.Path))
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Columns []string        `json:"columns"`
		Data    [][]interface{} `json:"data"`
	}
	if err := json.Unmarshal(tb, &table); err != nil || len(table.Data) != 1 || table.Columns[12] != "call_site" {
		t.Fatalf("table %s: %v", tb, err)
	}
	if summaryInt(t, rd, "calls") != 1 || summaryInt(t, rd, "tokens/gpt-4o-mini/total") != resp.Usage.TotalTokens {
		t.Errorf("summary %v", rd.Summary)
	}
	found := false
	for _, m := range rd.Metrics {
		found = found || (m.GlobName == "usage/*" && m.StepMetric == "_timestamp")
	}
	if !found {
		t.Error("no usage/* metric defined against _timestamp")
	}
}

func TestCompletionEmbeddingsResponses(t *testing.T) {
	e := start(t)
	c := e.instrumented()
	ctx := context.Background()
	cmp, err := c.CreateCompletion(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "say hi"})
	if err != nil {
		t.Fatal(err)
	}
	emb, err := c.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: []string{"a b c", "d"}})
	if err != nil {
		t.Fatal(err)
	}
	rsp, err := c.CreateResponse(ctx, openai.CreateResponseRequest{Model: "o3-mini", Input: "think hard"})
	if err != nil {
		t.Fatal(err)
	}
	rs := rows(e.finish())
	if len(rs) != 3 {
		t.Fatalf("%d rows, want 3", len(rs))
	}
	if rs[0].int(t, "usage/total_tokens") != cmp.Usage.TotalTokens {
		t.Errorf("completion row %v", rs[0])
	}
	if rs[1].int(t, "usage/prompt_tokens") != emb.Usage.PromptTokens || rs[1].int(t, "usage/completion_tokens") != 0 {
		t.Errorf("embeddings row %v", rs[1])
	}
	if rs[2].int(t, "usage/prompt_tokens") != rsp.Usage.InputTokens ||
		rs[2].int(t, "usage/completion_tokens") != rsp.Usage.OutputTokens ||
		rs[2].int(t, "usage/reasoning_tokens") != rsp.Usage.OutputTokensDetails.ReasoningTokens ||
		rsp.Usage.OutputTokensDetails.ReasoningTokens == 0 {
		t.Errorf("responses row %v (usage %+v)", rs[2], rsp.Usage)
	}
	for i, name := range []string{"CreateCompletion", "CreateEmbeddings", "CreateResponse"} {
		if sp, _ := rs[i].trace(t); sp.Name != name {
			t.Errorf("row %d span name %q, want %q", i, sp.Name, name)
		}
	}
}

func TestAzure(t *testing.T) {
	e := start(t)
	cfg := openai.DefaultAzureConfig(secretKey, e.srv.RootURL())
	c := openai.NewClientWithConfig(wbopenai.Config(cfg))
	resp, err := c.CreateChatCompletion(context.Background(), chatReq(openai.GPT4oMini, "hi azure"))
	if err != nil {
		t.Fatal(err)
	}
	rd := e.finish()
	rs := rows(rd)
	if len(rs) != 1 || rs[0].int(t, "usage/total_tokens") != resp.Usage.TotalTokens {
		t.Fatalf("rows %v", rs)
	}
	sp, _ := rs[0].trace(t)
	if sp.attr("api_type") != "azure" || !strings.HasPrefix(sp.attr("endpoint"), "POST /openai/deployments/") {
		t.Errorf("attributes %v", sp.Attributes)
	}
	assertNoSecret(t, e.dir)
}

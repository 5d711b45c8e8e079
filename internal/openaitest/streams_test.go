package openaitest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// drain reads a chat stream to its end and closes it.
func drain(t *testing.T, st *openai.ChatCompletionStream) {
	t.Helper()
	defer st.Close()
	for {
		if _, err := st.Recv(); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			return
		}
	}
}

// rawChunks returns the raw chunks a user's code reads from a stream.
func rawChunks(t *testing.T, c *openai.Client, req openai.ChatCompletionRequest) []string {
	t.Helper()
	st, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []string
	for {
		b, err := st.RecvRaw()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
}

// TestStreamSameBytesAsPlain compares what user code reads from an
// instrumented and a plain client, with and without include_usage and with
// tool calls, and checks the logged usage is exact either way.
func TestStreamSameBytesAsPlain(t *testing.T) {
	tools := []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "get_weather"}}}
	cases := []struct {
		name    string
		include bool
		tools   bool
	}{{"no-usage", false, false}, {"include-usage", true, false}, {"tools", false, true}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t)
			req := chatReq(openai.GPT4oMini, "tell me about "+tc.name)
			if tc.include {
				req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
			}
			if tc.tools {
				req.Tools = tools
			}
			want := rawChunks(t, e.plain(), req)
			got := rawChunks(t, e.instrumented(), req)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("instrumented stream differs:\n got %q\nwant %q", got, want)
			}
			reqs := e.srv.Requests()
			if wire := string(reqs[len(reqs)-1].Body); !strings.Contains(wire, `"include_usage":true`) {
				t.Errorf("instrumented request did not ask for usage: %s", wire)
			}
			prompt, completion := e.srv.Tokens()
			rs := rows(e.finish())
			if len(rs) != 1 {
				t.Fatalf("%d rows, want 1 (only the instrumented stream)", len(rs))
			}
			r := rs[0]
			if r.int(t, "usage/prompt_tokens") != prompt/2 || r.int(t, "usage/completion_tokens") != completion/2 {
				t.Errorf("usage %s/%s, server served %d/%d over two calls", r["usage/prompt_tokens"], r["usage/completion_tokens"], prompt, completion)
			}
			sp, dict := r.trace(t)
			if sp.attr("stream") != "true" || !sp.hasAttr("time_to_first_token_ms") {
				t.Errorf("attributes %v", sp.Attributes)
			}
			var resp struct {
				Choices []struct {
					Message struct {
						Content   string `json:"content"`
						ToolCalls []struct {
							Function struct{ Name, Arguments string } `json:"function"`
						} `json:"tool_calls"`
					} `json:"message"`
				} `json:"choices"`
				Usage struct {
					PromptTokens        *int            `json:"prompt_tokens"`
					PromptTokensDetails json.RawMessage `json:"prompt_tokens_details"`
					CompletionDetails   json.RawMessage `json:"completion_tokens_details"`
				} `json:"usage"`
			}
			if err := json.Unmarshal(dict["response"], &resp); err != nil || len(resp.Choices) != 1 {
				t.Fatalf("assembled response %s: %v", dict["response"], err)
			}
			// The usage object as the server sent it, token details included.
			if u := resp.Usage; u.PromptTokens == nil || *u.PromptTokens != prompt/2 ||
				string(u.PromptTokensDetails) != `{"cached_tokens":0}` || string(u.CompletionDetails) != `{"reasoning_tokens":0}` {
				t.Errorf("assembled response's usage is not the server's: %s", dict["response"])
			}
			m := resp.Choices[0].Message
			if tc.tools {
				if len(m.ToolCalls) != 1 || m.ToolCalls[0].Function.Name != "get_weather" ||
					m.ToolCalls[0].Function.Arguments != `{"query":"tell me about tools"}` {
					t.Errorf("assembled tool calls %+v", m.ToolCalls)
				}
				if sp.attr("finish_reasons") != `["tool_calls"]` {
					t.Errorf("finish_reasons %s", sp.Attributes["finish_reasons"])
				}
			} else if m.Content != "You asked: tell me about "+tc.name+". Here is a short deterministic answer." {
				t.Errorf("assembled content %q", m.Content)
			}
		})
	}
}

func (s *spanOf) hasAttr(k string) bool { _, ok := s.Attributes[k]; return ok }

// TestStreamUsageIgnored: a server that ignores include_usage leaves the
// usage missing, marked as such, with the text logged for estimation.
func TestStreamUsageIgnored(t *testing.T) {
	e := start(t)
	want := rawChunks(t, e.plain(), chatReq("nousage-model", "count me"))
	got := rawChunks(t, e.instrumented(), chatReq("nousage-model", "count me"))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("stream differs:\n got %q\nwant %q", got, want)
	}
	rs := rows(e.finish())
	if len(rs) != 1 {
		t.Fatalf("%d rows", len(rs))
	}
	if rs[0].has("usage/total_tokens") || string(rs[0]["usage_missing"]) != "true" {
		t.Errorf("row %v", rs[0])
	}
	sp, dict := rs[0].trace(t)
	if sp.attr("usage_missing") != "true" || !strings.Contains(string(dict["response"]), "You asked: count me.") {
		t.Errorf("span %v response %s", sp.Attributes, dict["response"])
	}
}

func TestResponsesStream(t *testing.T) {
	e := start(t)
	st, err := e.instrumented().CreateResponseStream(context.Background(), openai.CreateResponseRequest{Model: "gpt-4o-mini", Input: "stream a response"})
	if err != nil {
		t.Fatal(err)
	}
	var final *openai.CreateResponseResponse
	for {
		ev, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == openai.ResponseStreamEventCompleted {
			final = ev.Response
		}
	}
	st.Close()
	if final == nil || final.Usage == nil {
		t.Fatal("no completed event")
	}
	rs := rows(e.finish())
	if len(rs) != 1 || rs[0].int(t, "usage/total_tokens") != final.Usage.TotalTokens {
		t.Fatalf("rows %v, want total %d", rs, final.Usage.TotalTokens)
	}
}

func TestCancelMidStream(t *testing.T) {
	e := start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := e.instrumented().CreateChatCompletionStream(ctx, chatReq("hang-stream", "a b c d e"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := 0; i < 3; i++ {
		if _, err := st.Recv(); err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
	}
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err = st.Recv()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Recv after cancel = %v, want context.Canceled", err)
	}
	rs := rows(e.finish())
	if len(rs) != 1 {
		t.Fatalf("%d rows", len(rs))
	}
	sp, _ := rs[0].trace(t)
	if sp.StatusCode != "ERROR" || sp.attr("error_type") != "context_canceled" {
		t.Errorf("span %s %v", sp.StatusCode, sp.Attributes)
	}
}

// TestAbandonedStreamLoggedAtFinish: a stream never read to the end nor
// closed is still logged, as abandoned.
func TestAbandonedStreamLoggedAtFinish(t *testing.T) {
	e := start(t)
	st, err := e.instrumented().CreateChatCompletionStream(context.Background(), chatReq(openai.GPT4oMini, "left behind"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Recv(); err != nil {
		t.Fatal(err)
	}
	rs := rows(e.finish())
	st.Close()
	if len(rs) != 1 {
		t.Fatalf("%d rows", len(rs))
	}
	if sp, _ := rs[0].trace(t); sp.attr("stream_abandoned") != "true" {
		t.Errorf("attributes %v", sp.Attributes)
	}
}

package fakeserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
)

func client(s *fakeopenai.Server) *openai.Client {
	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = s.URL()
	return openai.NewClientWithConfig(cfg)
}

func chatReq(model, q string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{Model: model,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: q}}}
}

// recvAll reads a stream to its end with its Recv method, failing t on an
// error other than io.EOF, and returns what it read.
func recvAll[T any](t *testing.T, recv func() (T, error)) []T {
	t.Helper()
	var out []T
	for {
		r, err := recv()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
}

func TestChat(t *testing.T) {
	s := fakeopenai.New()
	defer s.Close()
	resp, err := client(s).CreateChatCompletion(context.Background(), chatReq("gpt-4o-mini", "hello there"))
	if err != nil {
		t.Fatal(err)
	}
	want := "You asked: hello there. Here is a short deterministic answer."
	if got := resp.Choices[0].Message.Content; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
	if resp.Usage.PromptTokens != 3 || resp.Usage.CompletionTokens != 10 || resp.Usage.TotalTokens != 13 {
		t.Errorf("usage = %+v", resp.Usage)
	}
	if resp.Header().Get("x-request-id") != "req_1" {
		t.Errorf("request id = %q", resp.Header().Get("x-request-id"))
	}
	p, c := s.Tokens()
	if s.Calls() != 1 || p != 3 || c != 10 {
		t.Errorf("calls=%d tokens=%d,%d", s.Calls(), p, c)
	}
}

func TestChatStreamUsageOnlyWhenAsked(t *testing.T) {
	s := fakeopenai.New()
	defer s.Close()
	for _, include := range []bool{false, true} {
		req := chatReq("gpt-4o-mini", "tell me a story")
		if include {
			req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
		}
		st, err := client(s).CreateChatCompletionStream(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		var usage *openai.Usage
		for _, r := range recvAll(t, st.Recv) {
			if len(r.Choices) == 0 {
				usage = r.Usage
				continue
			}
			text.WriteString(r.Choices[0].Delta.Content)
		}
		st.Close()
		if text.String() != "You asked: tell me a story. Here is a short deterministic answer." {
			t.Errorf("include=%v text %q", include, text.String())
		}
		if include != (usage != nil) {
			t.Errorf("include=%v usage=%v", include, usage)
		}
		if usage != nil && usage.CompletionTokens != 12 {
			t.Errorf("usage %+v", usage)
		}
	}
}

func TestStreamToolCalls(t *testing.T) {
	s := fakeopenai.New()
	defer s.Close()
	req := chatReq("gpt-4o-mini", "weather in Paris")
	req.Tools = []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "get_weather"}}}
	st, err := client(s).CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var args strings.Builder
	name := ""
	for _, r := range recvAll(t, st.Recv) {
		for _, tc := range r.Choices[0].Delta.ToolCalls {
			if tc.Function.Name != "" {
				name = tc.Function.Name
			}
			args.WriteString(tc.Function.Arguments)
		}
	}
	if name != "get_weather" || args.String() != `{"query":"weather in Paris"}` {
		t.Errorf("tool call %q(%s)", name, args.String())
	}
}

func TestFaults(t *testing.T) {
	s := fakeopenai.New()
	defer s.Close()
	_, err := client(s).CreateChatCompletion(context.Background(), chatReq("fail-429", "x"))
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 429 || apiErr.Code != "rate_limit_exceeded" {
		t.Fatalf("err = %v", err)
	}
	_, err = client(s).CreateChatCompletion(context.Background(), chatReq("fail-500", "x"))
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 500 {
		t.Fatalf("err = %v", err)
	}
	st, err := client(s).CreateChatCompletionStream(context.Background(), chatReq("reset-stream", "a b c d"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var last error
	for i := 0; i < 20; i++ {
		if _, last = st.Recv(); last != nil {
			break
		}
	}
	if last == nil || errors.Is(last, io.EOF) {
		t.Fatalf("reset stream ended with %v, want a read error", last)
	}
}

func TestOtherEndpoints(t *testing.T) {
	s := fakeopenai.New()
	defer s.Close()
	c := client(s)
	ctx := context.Background()
	emb, err := c.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: []string{"a b", "c"}})
	if err != nil || len(emb.Data) != 2 || emb.Usage.PromptTokens != 3 {
		t.Fatalf("embeddings %+v %v", emb.Usage, err)
	}
	cmp, err := c.CreateCompletion(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "say hi"})
	if err != nil || !strings.Contains(cmp.Choices[0].Text, "say hi") {
		t.Fatalf("completion %+v %v", cmp, err)
	}
	ml, err := c.ListModels(ctx)
	if err != nil || len(ml.Models) == 0 {
		t.Fatalf("models %v", err)
	}
	if _, err := c.Moderations(ctx, openai.ModerationRequest{Input: "hi"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateImage(ctx, openai.ImageRequest{Prompt: "a gopher"}); err != nil {
		t.Fatal(err)
	}
	tr, err := c.CreateTranscription(ctx, openai.AudioRequest{Model: "whisper-1", FilePath: "x.mp3", Reader: bytes.NewReader([]byte("RIFFdata"))})
	if err != nil || tr.Text != "transcribed 8 bytes of audio" {
		t.Fatalf("transcription %q %v", tr.Text, err)
	}
	r, err := c.CreateResponse(ctx, openai.CreateResponseRequest{Model: "gpt-4o-mini", Input: "hi"})
	if err != nil || r.Usage == nil || r.Usage.OutputTokens == 0 {
		t.Fatalf("responses %+v %v", r, err)
	}
	rs, err := c.CreateResponseStream(ctx, openai.CreateResponseRequest{Model: "gpt-4o-mini", Input: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var text strings.Builder
	completed := false
	for _, ev := range recvAll(t, rs.Recv) {
		text.WriteString(ev.Delta)
		completed = completed || ev.Type == openai.ResponseStreamEventCompleted
	}
	if !completed || text.String() != "You asked: hi. Here is a short deterministic answer." {
		t.Fatalf("responses stream %q completed=%v", text.String(), completed)
	}
}

func TestAzure(t *testing.T) {
	s := fakeopenai.New()
	defer s.Close()
	cfg := openai.DefaultAzureConfig("azure-key", s.RootURL())
	resp, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), chatReq("gpt-4o-mini", "hi"))
	if err != nil || resp.Usage.TotalTokens == 0 {
		t.Fatalf("azure %v", err)
	}
	req := s.Requests()[0]
	if !strings.HasPrefix(req.Path, "/openai/deployments/gpt-4o-mini/") || req.Header.Get("api-key") != "azure-key" {
		t.Fatalf("azure request %s %v", req.Path, req.Header)
	}
	noKey, _ := http.NewRequest("POST", s.RootURL()+"/openai/deployments/x/chat/completions?api-version=1", strings.NewReader("{}"))
	res, err := http.DefaultClient.Do(noKey)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("no key: status %d", res.StatusCode)
	}
}

// TestRejectStreamOptions: a nooptions- model refuses stream_options with
// a 400 naming the parameter, and streams normally without it.
func TestRejectStreamOptions(t *testing.T) {
	s := fakeopenai.New()
	defer s.Close()
	req := chatReq("nooptions-gpt-4o", "a b")
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	_, err := client(s).CreateChatCompletionStream(context.Background(), req)
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 || !strings.Contains(apiErr.Message, "stream_options") {
		t.Fatalf("err = %v, want a 400 naming stream_options", err)
	}
	creq := openai.CompletionRequest{Model: "nooptions-x", Prompt: "a", StreamOptions: &openai.StreamOptions{IncludeUsage: true}}
	if _, err := client(s).CreateCompletionStream(context.Background(), creq); !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 {
		t.Fatalf("completion stream err = %v, want 400", err)
	}
	req.StreamOptions = nil
	st, err := client(s).CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Recv(); err != nil {
		t.Fatalf("stream without stream_options: %v", err)
	}
	if p, c := s.Tokens(); p == 0 || c == 0 {
		t.Errorf("tokens %d/%d: the accepted stream was not counted", p, c)
	}
}

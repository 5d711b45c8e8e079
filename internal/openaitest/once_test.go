package openaitest

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// TestCallSiteAndConstructorOnce: a wrapped call on an instrumented client
// is logged once, with the wrapper's site.
func TestCallSiteAndConstructorOnce(t *testing.T) {
	e := start(t)
	c := e.instrumented()
	const site = "cmd/app/main.go:42 main.run"
	if _, err := wbopenai.Call1(c.CreateChatCompletion, site)(context.Background(), chatReq(openai.GPT4oMini, "once")); err != nil {
		t.Fatal(err)
	}
	st, err := wbopenai.Call1(c.CreateChatCompletionStream, site)(context.Background(), chatReq(openai.GPT4oMini, "once more"))
	if err != nil {
		t.Fatal(err)
	}
	drain(t, st)
	rs := rows(e.finish())
	if len(rs) != 2 || e.srv.Calls() != 2 {
		t.Fatalf("%d rows for %d calls, want 2", len(rs), e.srv.Calls())
	}
	for _, r := range rs {
		if sp, _ := r.trace(t); sp.attr("call_site") != site {
			t.Errorf("call_site %q", sp.attr("call_site"))
		}
	}
}

// TestLibraryClientCallSite: a client built outside user code (not
// instrumented) is logged once by the call-site wrapper, with usage.
func TestLibraryClientCallSite(t *testing.T) {
	e := start(t)
	c := e.plain()
	resp, err := wbopenai.Call1(c.CreateChatCompletion, "lib.go:7 main.use")(context.Background(), chatReq(openai.GPT4oMini, "from a library"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = wbopenai.Call1(c.CreateChatCompletion, "lib.go:8 main.use")(context.Background(), chatReq("fail-500", "x"))
	if err == nil {
		t.Fatal("fail-500 did not fail")
	}
	rs := rows(e.finish())
	if len(rs) != 2 {
		t.Fatalf("%d rows, want 2", len(rs))
	}
	if rs[0].int(t, "usage/total_tokens") != resp.Usage.TotalTokens {
		t.Errorf("row %v", rs[0])
	}
	sp, _ := rs[0].trace(t)
	if sp.attr("call_site") != "lib.go:7 main.use" || sp.Name != "CreateChatCompletion" || sp.attr("request_id") == "" {
		t.Errorf("span %s %v", sp.Name, sp.Attributes)
	}
	if sp, _ := rs[1].trace(t); sp.StatusCode != "ERROR" || sp.attr("http_status") != "500" {
		t.Errorf("error span %s %v", sp.StatusCode, sp.Attributes)
	}
}

// TestRejectedBeforeSendNotLogged: go-openai refuses some calls before
// sending anything; they are not API calls.
func TestRejectedBeforeSendNotLogged(t *testing.T) {
	e := start(t)
	req := chatReq(openai.GPT4oMini, "x")
	req.Stream = true
	for _, c := range []*openai.Client{e.instrumented(), e.plain()} {
		if _, err := wbopenai.Call1(c.CreateChatCompletion, "a.go:1 main.f")(context.Background(), req); err == nil {
			t.Fatal("stream request was not rejected")
		}
		if _, err := c.CreateCompletion(context.Background(), openai.CompletionRequest{Model: openai.GPT4oMini, Prompt: "x"}); err == nil {
			t.Fatal("chat model completion was not rejected")
		}
	}
	if _, err := e.instrumented().CreateChatCompletion(context.Background(), chatReq(openai.GPT4oMini, "real")); err != nil {
		t.Fatal(err)
	}
	if rs := rows(e.finish()); len(rs) != 1 || e.srv.Calls() != 1 {
		t.Fatalf("%d rows for %d server calls, want 1", len(rs), e.srv.Calls())
	}
}

type countingDoer struct {
	mu sync.Mutex
	n  int
	hc *http.Client
}

func (d *countingDoer) Do(r *http.Request) (*http.Response, error) {
	d.mu.Lock()
	d.n++
	d.mu.Unlock()
	return d.hc.Do(r)
}

func TestCustomDoerPreserved(t *testing.T) {
	e := start(t)
	user := &countingDoer{hc: &http.Client{}}
	cfg := openai.DefaultConfig(secretKey)
	cfg.BaseURL = e.srv.URL()
	cfg.HTTPClient = user
	c := openai.NewClientWithConfig(wbopenai.Config(cfg))
	for i := 0; i < 3; i++ {
		if _, err := c.CreateChatCompletion(context.Background(), chatReq(openai.GPT4oMini, "doer")); err != nil {
			t.Fatal(err)
		}
	}
	if user.n != 3 {
		t.Fatalf("user's doer saw %d requests, want 3", user.n)
	}
	if rs := rows(e.finish()); len(rs) != 3 {
		t.Fatalf("%d rows, want 3", len(rs))
	}
}

func TestConcurrentCalls(t *testing.T) {
	e := start(t)
	c := e.instrumented()
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%5 == 0 {
				st, err := c.CreateChatCompletionStream(context.Background(), chatReq(openai.GPT4oMini, "stream"))
				if err != nil {
					errs <- err
					return
				}
				defer st.Close()
				for {
					if _, err := st.Recv(); err != nil {
						return
					}
				}
			}
			_, err := c.CreateChatCompletion(context.Background(), chatReq(openai.GPT4oMini, "concurrent call"))
			if err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	prompt, completion := e.srv.Tokens()
	rd := e.finish()
	rs := rows(rd)
	if len(rs) != n || summaryInt(t, rd, "calls") != n {
		t.Fatalf("%d rows, summary calls %s, want %d", len(rs), rd.Summary["calls"], n)
	}
	total := 0
	for _, r := range rs {
		total += r.int(t, "usage/total_tokens")
	}
	if total != prompt+completion || summaryInt(t, rd, "tokens/total") != total {
		t.Fatalf("logged %d tokens (summary %s), server served %d", total, rd.Summary["tokens/total"], prompt+completion)
	}
}

// TestLibraryClientFailuresLogged: a client built outside user code whose
// calls fail in net/http (nothing listens; the context is cancelled) is
// logged once per call by the wrapper, as ERROR, with the error the user
// got; go-openai's own refusals on the same client are not.
func TestLibraryClientFailuresLogged(t *testing.T) {
	e := start(t)
	cfg := openai.DefaultConfig(secretKey)
	cfg.BaseURL = "http://127.0.0.1:1/v1" // nothing listens on port 1
	down := openai.NewClientWithConfig(cfg)
	ctx := context.Background()
	_, errDown := wbopenai.Call1(down.CreateChatCompletion, "lib.go:20 lib.ask")(ctx, chatReq(openai.GPT4oMini, "anyone?"))
	if errDown == nil {
		t.Fatal("a call to a closed port succeeded")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, errCancel := wbopenai.Call1(e.plain().CreateChatCompletion, "lib.go:21 lib.ask")(cancelled, chatReq(openai.GPT4oMini, "never mind"))
	if !errors.Is(errCancel, context.Canceled) {
		t.Fatalf("a call with a cancelled context returned %v, want context.Canceled", errCancel)
	}
	stream := chatReq(openai.GPT4oMini, "x")
	stream.Stream = true
	if _, err := wbopenai.Call1(down.CreateChatCompletion, "lib.go:22 lib.ask")(ctx, stream); err == nil {
		t.Fatal("Stream set on CreateChatCompletion was not refused")
	}
	rs := rows(e.finish())
	if len(rs) != 2 {
		t.Fatalf("%d rows, want 2 (the closed port and the cancelled call)", len(rs))
	}
	for i, want := range []struct {
		site string
		err  error
	}{{"lib.go:20 lib.ask", errDown}, {"lib.go:21 lib.ask", errCancel}} {
		sp, _ := rs[i].trace(t)
		if sp.StatusCode != "ERROR" || sp.attr("call_site") != want.site || sp.StatusMessage == nil || *sp.StatusMessage != want.err.Error() {
			t.Errorf("row %d: %s at %q, message %v; want ERROR at %q with %q", i, sp.StatusCode, sp.attr("call_site"), sp.StatusMessage, want.site, want.err)
		}
	}
}

package openaitest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// TestErrorsSameAsPlain: failing calls return exactly the error value a
// plain client gets, and are logged as ERROR rows.
func TestErrorsSameAsPlain(t *testing.T) {
	e := start(t)
	for _, model := range []string{"fail-429", "fail-500", "fail-400"} {
		_, want := e.plain().CreateChatCompletion(context.Background(), chatReq(model, "x"))
		_, got := e.instrumented().CreateChatCompletion(context.Background(), chatReq(model, "x"))
		if want == nil || got == nil || got.Error() != want.Error() || reflect.TypeOf(got) != reflect.TypeOf(want) {
			t.Fatalf("%s: instrumented error %T %v, plain %T %v", model, got, got, want, want)
		}
		var a, b *openai.APIError
		if !errors.As(got, &a) || !errors.As(want, &b) || !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: APIError differs: %+v vs %+v", model, a, b)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, want := e.plain().CreateChatCompletion(ctx, chatReq("slow-2s", "x"))
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	_, got := e.instrumented().CreateChatCompletion(ctx2, chatReq("slow-2s", "x"))
	if !errors.Is(got, context.DeadlineExceeded) || !errors.Is(want, context.DeadlineExceeded) || got.Error() != want.Error() {
		t.Fatalf("timeout: instrumented %v, plain %v", got, want)
	}
	rs := rows(e.finish())
	if len(rs) != 4 {
		t.Fatalf("%d rows, want 4", len(rs))
	}
	for i, status := range []string{"429", "500", "400"} {
		sp, _ := rs[i].trace(t)
		if sp.StatusCode != "ERROR" || sp.attr("http_status") != status || sp.StatusMessage == nil || *sp.StatusMessage == "" {
			t.Errorf("row %d: span %s %v", i, sp.StatusCode, sp.Attributes)
		}
	}
	if sp, _ := rs[0].trace(t); sp.attr("error_code") != "rate_limit_exceeded" || sp.attr("error_type") != "requests" {
		t.Errorf("429 attributes %v", sp.Attributes)
	}
	if sp, _ := rs[3].trace(t); sp.StatusCode != "ERROR" || sp.attr("error_type") != "timeout" {
		t.Errorf("timeout span %s %v", sp.StatusCode, sp.Attributes)
	}
}

// TestMidStreamReset: a dropped connection reaches the user as the same
// error as without us and is logged as an ERROR.
func TestMidStreamReset(t *testing.T) {
	e := start(t)
	read := func(c *openai.Client) error {
		st, err := c.CreateChatCompletionStream(context.Background(), chatReq("reset-stream", "a b c d e f"))
		if err != nil {
			return err
		}
		defer st.Close()
		for {
			if _, err := st.Recv(); err != nil {
				return err
			}
		}
	}
	want, got := read(e.plain()), read(e.instrumented())
	if got == nil || errors.Is(got, context.Canceled) || got.Error() != want.Error() {
		t.Fatalf("instrumented %v, plain %v", got, want)
	}
	rs := rows(e.finish())
	if len(rs) != 1 {
		t.Fatalf("%d rows", len(rs))
	}
	if sp, _ := rs[0].trace(t); sp.StatusCode != "ERROR" {
		t.Errorf("span %s %v", sp.StatusCode, sp.Attributes)
	}
}

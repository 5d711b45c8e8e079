package wbopenai

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"testing"
)

// apiError has the fields of go-openai's APIError that matter here.
type apiError struct {
	HTTPStatusCode int
	Message        string
}

func (e *apiError) Error() string { return e.Message }

func TestWentOut(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"a result", nil, true},
		{"an answer of the server", &apiError{HTTPStatusCode: 429, Message: "slow down"}, true},
		{"a wrapped answer", fmt.Errorf("retrying: %w", &apiError{HTTPStatusCode: 500}), true},
		{"a network failure", &url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1/chat/completions", Err: errors.New("connection refused")}, true},
		{"a cancelled request", fmt.Errorf("call: %w", &url.Error{Op: "Post", Err: context.Canceled}), true},
		{"a URL that does not parse", &url.Error{Op: "parse", URL: "bad\x7fid", Err: errors.New("invalid control character in URL")}, false},
		{"a refusal of go-openai", errors.New("this model is not supported with this method, please use CreateChatCompletion client method instead"), false},
		{"a bare context error", context.Canceled, false},
	} {
		if got := wentOut(c.err); got != c.want {
			t.Errorf("%s (%v): wentOut = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

type pcClient struct{}

func (*pcClient) Method(context.Context, int) (int, error) { return 0, nil }

// TestFuncPC checks funcPC against reflect for what the wrappers are
// given: method values, closures, plain functions and nil.
func TestFuncPC(t *testing.T) {
	c := &pcClient{}
	n := 1
	closure := func(context.Context, int) (int, error) { return n, nil }
	var nilFn func(context.Context, int) (int, error)
	for name, f := range map[string]func(context.Context, int) (int, error){
		"method value": c.Method, "closure": closure, "func": plainFunc, "nil": nilFn,
	} {
		if got, want := funcPC(f), reflect.ValueOf(f).Pointer(); got != want {
			t.Errorf("%s: funcPC = %#x, reflect says %#x", name, got, want)
		}
	}
	if got := methodName(funcPC(c.Method)); got != "Method" {
		t.Errorf("methodName(funcPC(c.Method)) = %q, want Method", got)
	}
}

func plainFunc(context.Context, int) (int, error) { return 0, nil }

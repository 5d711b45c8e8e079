package openaitest

import (
	"context"
	"reflect"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// shape names the wrapper a method needs, or "" when none fits.
func shape(m reflect.Type) string {
	ctxT := reflect.TypeOf((*context.Context)(nil)).Elem()
	errT := reflect.TypeOf((*error)(nil)).Elem()
	// In(0) is the receiver.
	if m.NumIn() < 2 || m.In(1) != ctxT {
		return ""
	}
	params := m.NumIn() - 2
	switch {
	case m.NumOut() == 1 && m.Out(0) == errT && !m.IsVariadic() && params <= 3:
		return "CallE" + string(rune('0'+params))
	case m.NumOut() != 2 || m.Out(1) != errT:
		return ""
	case m.IsVariadic() && (params == 2 || params == 3):
		return "CallV" + string(rune('0'+params-1))
	case !m.IsVariadic() && params <= 6:
		return "Call" + string(rune('0'+params))
	}
	return ""
}

// TestWrappersCoverClientMethodSet: every exported method of v1.43's
// *openai.Client fits one of the call-site wrappers, so the rewriter can
// wrap any call it finds.
func TestWrappersCoverClientMethodSet(t *testing.T) {
	ct := reflect.TypeOf((*openai.Client)(nil))
	if ct.NumMethod() < 80 {
		t.Fatalf("only %d methods: not the v1.43 client?", ct.NumMethod())
	}
	used := map[string]int{}
	for i := 0; i < ct.NumMethod(); i++ {
		m := ct.Method(i)
		s := shape(m.Type)
		if s == "" {
			t.Errorf("%s %v fits no wrapper", m.Name, m.Type)
		}
		used[s]++
	}
	t.Logf("%d methods: %v", ct.NumMethod(), used)
}

// TestShapesCompile instantiates a wrapper of every arity with a real
// method, so the generic signatures accept go-openai's methods.
func TestShapesCompile(t *testing.T) {
	c := openai.NewClient("k")
	_ = wrap0(c.ListModels)
	_ = wrap1(c.CreateChatCompletion)
	_ = wrapE1(c.DeleteFile)
	_ = wrapV1(c.RetrieveResponse)
}

package openaitest

import (
	"context"

	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// These mirror the glue the rewriter generates (wbiCall0 ... forwarders).

func wrap0[R any](f func(context.Context) (R, error)) func(context.Context) (R, error) {
	return wbopenai.Call0(f, "x.go:1 main.f")
}

func wrap1[A1, R any](f func(context.Context, A1) (R, error)) func(context.Context, A1) (R, error) {
	return wbopenai.Call1(f, "x.go:1 main.f")
}

func wrapE1[A1 any](f func(context.Context, A1) error) func(context.Context, A1) error {
	return wbopenai.CallE1(f, "x.go:1 main.f")
}

func wrapV1[A1, V, R any](f func(context.Context, A1, ...V) (R, error)) func(context.Context, A1, ...V) (R, error) {
	return wbopenai.CallV1(f, "x.go:1 main.f")
}

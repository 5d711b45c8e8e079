package main

import (
	"context"

	. "github.com/openai/openai-go/v2"
)

// dotClient builds a client under a dot import, with no options.
func dotClient(ctx context.Context) error {
	c := NewClient(wbiOAI2Opts()...)
	_, err := wbiOAI2Call1(c.Models.Get, "dot.go:12 main.dotClient")(ctx, "gpt-4o-mini")
	return err
}

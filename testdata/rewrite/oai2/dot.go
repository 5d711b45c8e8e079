package main

import (
	"context"

	. "github.com/openai/openai-go/v2"
)

// dotClient builds a client under a dot import, with no options.
func dotClient(ctx context.Context) error {
	c := NewClient()
	_, err := c.Models.Get(ctx, "gpt-4o-mini")
	return err
}

//wbinstrument:ignore

package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func other(ctx context.Context, c *openai.Client) error {
	_, err := c.ListModels(ctx)
	return err
}

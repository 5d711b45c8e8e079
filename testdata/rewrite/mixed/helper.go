package main

import (
	"context"
	openai "github.com/sashabaranov/go-openai"
)

// not gofmt-clean on purpose: the rewrite must not reformat it
func helper(ctx context.Context,c *openai.Client) error {
	_,err:=c.ListModels(ctx)  // trailing
	return   err
}

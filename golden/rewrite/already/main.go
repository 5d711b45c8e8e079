// Command already was instrumented by an earlier run; since then the user
// added the lines of this comment and the const below (so the //line
// directive and the site literals are stale) and a new call that is not
// instrumented yet.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

// model is new since the rewrite.
const model = openai.GPT4oMini

func main() {
	defer wbiFinish()
//line :19:1
	c := wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, os.Getenv("OPENAI_API_KEY"))
	cfg := openai.DefaultConfig("key")
	cfg.BaseURL = "http://127.0.0.1:1/v1"
	local := openai.NewClientWithConfig(wbiConfig(cfg))
	if err := run(context.Background(), c, local); err != nil {
		fmt.Println(err)
	}
}

func run(ctx context.Context, c, local *openai.Client) error {
	resp, err := wbiCall1(c.CreateChatCompletion, "main.go:29 main.run")(ctx, openai.ChatCompletionRequest{
		Model:    model,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hi"}},
	})
	if err != nil {
		return err
	}
	fmt.Println(resp.Choices[0].Message.Content)
	list := wbiCall0(local.ListModels, "main.go:37 main.run")
	models, err := list(ctx)
	fmt.Println(len(models.Models), err)
	// New since the rewrite: not instrumented yet.
	_, err = wbiCall1(c.GetModel, "main.go:41 main.run")(ctx, model)
	return err
}

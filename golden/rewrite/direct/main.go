// Command direct has the plain shapes: NewClient, NewOrgClient, direct calls, calls in closures and goroutines.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :13:1
	c := wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, os.Getenv("OPENAI_API_KEY"))
	if err := run(context.Background(), c); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c *openai.Client) error {
	resp, err := wbiCall1(c.CreateChatCompletion, "main.go:21 main.run")(ctx, openai.ChatCompletionRequest{
		Model:    openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hi"}},
	})
	if err != nil {
		return err
	}
	fmt.Println(resp.Choices[0].Message.Content)
	models, err := wbiCall0(c.ListModels, "main.go:29 main.run")(ctx)
	fmt.Println(len(models.Models), err)
	org := wbiNewOrgClient(openai.NewClientWithConfig, openai.DefaultConfig, "key", "org")
	err = wbiCallE1(org.DeleteFile, "main.go:32 main.run")(ctx, "file-1")
	go func() {
		_, _ = wbiCall1(c.CreateEmbeddings, "main.go:34 main.run.func1")(ctx, openai.EmbeddingRequest{Input: []string{"x"}, Model: openai.SmallEmbedding3})
	}()
	return err
}

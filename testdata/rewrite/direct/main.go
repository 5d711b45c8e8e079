// Command direct has the plain shapes: NewClient, NewOrgClient, direct calls, calls in closures and goroutines.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	c := openai.NewClient(os.Getenv("OPENAI_API_KEY"))
	if err := run(context.Background(), c); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c *openai.Client) error {
	resp, err := c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:    openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hi"}},
	})
	if err != nil {
		return err
	}
	fmt.Println(resp.Choices[0].Message.Content)
	models, err := c.ListModels(ctx)
	fmt.Println(len(models.Models), err)
	org := openai.NewOrgClient("key", "org")
	err = org.DeleteFile(ctx, "file-1")
	go func() {
		_, _ = c.CreateEmbeddings(ctx, openai.EmbeddingRequest{Input: []string{"x"}, Model: openai.SmallEmbedding3})
	}()
	return err
}

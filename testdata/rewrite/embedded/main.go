// Command embedded calls the methods a struct promotes from an embedded *openai.Client.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

type Bot struct {
	*openai.Client
	name string
}

func main() {
	b := &Bot{Client: openai.NewClient(os.Getenv("OPENAI_API_KEY")), name: "bot"}
	fmt.Println(b.Ask(context.Background(), "hi"))
}

func (b *Bot) Ask(ctx context.Context, q string) (string, error) {
	resp, err := b.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	if err != nil {
		return "", err
	}
	return resp.ID, nil
}

// Command interface calls the client through an interface of its own.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

type chatter interface {
	CreateChatCompletion(context.Context, openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error)
}

func main() { ask(openai.NewClient(os.Getenv("OPENAI_API_KEY"))) }

func ask(c chatter) {
	resp, err := c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	fmt.Println(resp.ID, err)
}

// Command shadow declares its own CreateChatCompletion on a struct that embeds *openai.Client: the user's method keeps being called.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

// Wrapped shadows CreateChatCompletion with its own method.
type Wrapped struct {
	*openai.Client
}

// CreateChatCompletion is the user's own; it must keep being called.
func (w Wrapped) CreateChatCompletion(ctx context.Context, r openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	return w.Client.CreateChatCompletion(ctx, r)
}

func main() {
	w := Wrapped{openai.NewClient(os.Getenv("OPENAI_API_KEY"))}
	resp, err := w.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{})
	fmt.Println(resp.ID, err)
	_, _ = w.ListModels(context.Background())
}

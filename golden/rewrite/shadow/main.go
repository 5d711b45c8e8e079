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
	return wbiCall1(w.Client.CreateChatCompletion, "main.go:19 main.Wrapped.CreateChatCompletion")(ctx, r)
}

func main() {
	defer wbiFinish()
//line :23:1
	w := Wrapped{wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, os.Getenv("OPENAI_API_KEY"))}
	resp, err := w.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{})
	fmt.Println(resp.ID, err)
	_, _ = wbiCall0(w.ListModels, "main.go:26 main.main")(context.Background())
}

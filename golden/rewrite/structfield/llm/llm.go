// Package llm holds a client built elsewhere.
package llm

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

// Bot answers questions.
type Bot struct {
	Client *openai.Client
}

// Ask asks one question.
func (b Bot) Ask(ctx context.Context, q string) (string, error) {
	resp, err := wbiCall1(b.Client.CreateChatCompletion, "llm/llm.go:17 example.com/structfield/llm.Bot.Ask")(ctx, openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	return resp.ID, err
}

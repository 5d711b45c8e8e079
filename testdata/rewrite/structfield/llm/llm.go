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
	resp, err := b.Client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	return resp.ID, err
}

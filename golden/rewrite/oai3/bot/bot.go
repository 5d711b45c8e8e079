// Package bot keeps an openai-go client in a struct field.
package bot

import (
	"context"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Bot answers questions.
type Bot struct {
	Client openai.Client
	Model  string
}

// New builds a bot.
func New(opts ...option.RequestOption) *Bot {
	return &Bot{Client: openai.NewClient(wbiOAI3Opts(opts...)...), Model: openai.ChatModelGPT4oMini}
}

// Ask asks one question.
func (b *Bot) Ask(ctx context.Context, q string) (string, error) {
	resp, err := wbiOAI3Call1(b.Client.Chat.Completions.New, "bot/bot.go:24 example.com/oai3/bot.(*Bot).Ask")(ctx, openai.ChatCompletionNewParams{
		Model:    b.Model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(q)},
	})
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}

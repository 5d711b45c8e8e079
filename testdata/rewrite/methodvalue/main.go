// Command methodvalue takes method values and method expressions of *openai.Client.
package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	c := openai.NewClient("key")
	create := c.CreateChatCompletion
	_, _ = create(context.Background(), openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	calls := map[string]func(context.Context, openai.EmbeddingRequestConverter) (openai.EmbeddingResponse, error){
		"embed": c.CreateEmbeddings,
	}
	_ = calls
	_ = (*openai.Client).ListModels
}

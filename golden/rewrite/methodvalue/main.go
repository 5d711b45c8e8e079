// Command methodvalue takes method values and method expressions of *openai.Client.
package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :11:1
	c := wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, "key")
	create := wbiCall1(c.CreateChatCompletion, "main.go:12 main.main")
	_, _ = create(context.Background(), openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	calls := map[string]func(context.Context, openai.EmbeddingRequestConverter) (openai.EmbeddingResponse, error){
		"embed": wbiCall1(c.CreateEmbeddings, "main.go:15 main.main"),
	}
	_ = calls
	_ = (*openai.Client).ListModels
}

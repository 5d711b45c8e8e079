// Command methodvalue takes method values and method expressions of *openai.Client.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	c := openai.NewClient(os.Getenv("OPENAI_API_KEY"))
	create := c.CreateChatCompletion
	resp, err := create(context.Background(), openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	fmt.Println(resp.ID, err)
	calls := map[string]func(context.Context, openai.EmbeddingRequestConverter) (openai.EmbeddingResponse, error){
		"embed": c.CreateEmbeddings,
	}
	_ = calls
	_ = (*openai.Client).ListModels
}

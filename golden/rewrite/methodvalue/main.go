// Command methodvalue takes method values and method expressions of *openai.Client.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :13:1
	c := wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, os.Getenv("OPENAI_API_KEY"))
	create := wbiCall1(c.CreateChatCompletion, "main.go:14 main.main")
	resp, err := create(context.Background(), openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	fmt.Println(resp.ID, err)
	calls := map[string]func(context.Context, openai.EmbeddingRequestConverter) (openai.EmbeddingResponse, error){
		"embed": wbiCall1(c.CreateEmbeddings, "main.go:18 main.main"),
	}
	_ = calls
	_ = (*openai.Client).ListModels
}

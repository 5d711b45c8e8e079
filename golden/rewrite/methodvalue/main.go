package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :12:1
	c := wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, os.Getenv("OPENAI_API_KEY"))
	create := wbiCall1(c.CreateChatCompletion, "main.go:13 main.main")
	resp, err := create(context.Background(), openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	fmt.Println(resp.ID, err)
	calls := map[string]func(context.Context, openai.EmbeddingRequestConverter) (openai.EmbeddingResponse, error){
		"embed": wbiCall1(c.CreateEmbeddings, "main.go:17 main.main"),
	}
	_ = calls
	_ = (*openai.Client).ListModels
}

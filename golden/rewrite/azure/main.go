// Command azure builds an Azure client (DefaultAzureConfig) and calls it.
package main

import (
	"context"
	"fmt"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :12:1
	cfg := openai.DefaultAzureConfig("key", "https://example.openai.azure.com/")
	cfg.APIVersion = "2024-02-01"
	c := openai.NewClientWithConfig(wbiConfig(cfg))
	resp, err := wbiCall1(c.CreateChatCompletion, "main.go:15 main.main")(context.Background(), openai.ChatCompletionRequest{Model: "gpt-4o"})
	fmt.Println(resp.ID, err)
}

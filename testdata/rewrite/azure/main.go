// Command azure builds an Azure client (DefaultAzureConfig) and calls it.
package main

import (
	"context"
	"fmt"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	cfg := openai.DefaultAzureConfig("key", "https://example.openai.azure.com/")
	cfg.APIVersion = "2024-02-01"
	c := openai.NewClientWithConfig(cfg)
	resp, err := c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "gpt-4o"})
	fmt.Println(resp.ID, err)
}

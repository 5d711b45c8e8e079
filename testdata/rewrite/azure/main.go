// Command azure builds an Azure client (DefaultAzureConfig) and calls it.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	cfg := openai.DefaultAzureConfig(os.Getenv("AZURE_OPENAI_KEY"), "https://example.openai.azure.com/")
	cfg.APIVersion = "2024-02-01"
	c := openai.NewClientWithConfig(cfg)
	resp, err := c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "gpt-4o"})
	fmt.Println(resp.ID, err)
}

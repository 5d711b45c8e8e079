// Command old uses go-openai v1.20, whose ClientConfig.HTTPClient is an *http.Client.
package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :14:1
	cfg := openai.DefaultConfig("key")
	cfg.HTTPClient = &http.Client{Timeout: time.Minute}
	c := openai.NewClientWithConfig(wbiConfig(cfg))
	resp, err := wbiCall1(c.CreateChatCompletion, "main.go:17 main.main")(context.Background(), openai.ChatCompletionRequest{Model: openai.GPT3Dot5Turbo})
	fmt.Println(resp.ID, err)
}

package main

import (
	"context"
	"fmt"

	. "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :11:1
	c := wbiNewClient(NewClientWithConfig, DefaultConfig, "key")
	resp, err := wbiCall1(c.CreateChatCompletion, "main.go:12 main.main")(context.Background(), ChatCompletionRequest{Model: GPT4oMini})
	fmt.Println(resp.ID, err)
}

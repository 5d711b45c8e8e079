// Command dotimport dot-imports go-openai, so its names stand unqualified.
package main

import (
	"context"
	"fmt"

	. "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :12:1
	c := wbiNewClient(NewClientWithConfig, DefaultConfig, "key")
	resp, err := wbiCall1(c.CreateChatCompletion, "main.go:13 main.main")(context.Background(), ChatCompletionRequest{Model: GPT4oMini})
	fmt.Println(resp.ID, err)
}

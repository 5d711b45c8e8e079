// Command dotimport dot-imports go-openai, so its names stand unqualified.
package main

import (
	"context"
	"fmt"

	. "github.com/sashabaranov/go-openai"
)

func main() {
	c := NewClient("key")
	resp, err := c.CreateChatCompletion(context.Background(), ChatCompletionRequest{Model: GPT4oMini})
	fmt.Println(resp.ID, err)
}

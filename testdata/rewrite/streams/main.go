// Command streams makes chat and completion streams.
package main

import (
	"context"
	"fmt"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	ctx := context.Background()
	c := openai.NewClient("key")
	s, err := c.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{Model: openai.GPT4oMini, Stream: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	for {
		r, err := s.Recv()
		if err != nil {
			break
		}
		fmt.Print(r.Choices[0].Delta.Content)
	}
	cs, err := c.CreateCompletionStream(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct"})
	if err == nil {
		cs.Close()
	}
}

// Command streams makes chat and completion streams.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	c := openai.NewClient(os.Getenv("OPENAI_API_KEY"))
	ctx := context.Background()
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

// Command streams makes chat and completion streams.
package main

import (
	"context"
	"fmt"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :12:1
	ctx := context.Background()
	c := wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, "key")
	s, err := wbiCall1(c.CreateChatCompletionStream, "main.go:14 main.main")(ctx, openai.ChatCompletionRequest{Model: openai.GPT4oMini, Stream: true})
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
	cs, err := wbiCall1(c.CreateCompletionStream, "main.go:27 main.main")(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct"})
	if err == nil {
		cs.Close()
	}
}

// Command streams makes chat and completion streams.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :13:1
	c := wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, os.Getenv("OPENAI_API_KEY"))
	ctx := context.Background()
	s, err := wbiCall1(c.CreateChatCompletionStream, "main.go:15 main.main")(ctx, openai.ChatCompletionRequest{Model: openai.GPT4oMini, Stream: true})
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
	cs, err := wbiCall1(c.CreateCompletionStream, "main.go:28 main.main")(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct"})
	if err == nil {
		cs.Close()
	}
}

package main

import (
	"context"
	"fmt"

	openai "github.com/sashabaranov/go-openai"

	"example.com/structfield/llm"
)

func main() {
	b := llm.Bot{Client: openai.NewClientWithConfig(openai.DefaultConfig("key"))}
	fmt.Println(b.Ask(context.Background(), "hi"))
}

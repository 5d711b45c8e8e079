package main

import (
	"context"
	"fmt"

	openai "github.com/sashabaranov/go-openai"

	"example.com/structfield/llm"
)

func main() {
	defer wbiFinish()
//line :13:1
	b := llm.Bot{Client: openai.NewClientWithConfig(wbiConfig(openai.DefaultConfig("key")))}
	fmt.Println(b.Ask(context.Background(), "hi"))
}

package main

import (
	"context"
	"fmt"

	goopenai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :11:1
	c := wbiNewClient(goopenai.NewClientWithConfig, goopenai.DefaultConfig, "key")
	resp, err := wbiCall1(c.Moderations, "main.go:12 main.main")(context.Background(), goopenai.ModerationRequest{Input: "x"})
	fmt.Println(resp.ID, err)
}

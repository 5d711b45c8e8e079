// Command alias imports go-openai under another name (goopenai): sites are found by import path, not by name.
package main

import (
	"context"

	goopenai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :11:1
	var req goopenai.ModerationRequest
	req.Input = "x"
	c := wbiNewClient(goopenai.NewClientWithConfig, goopenai.DefaultConfig, "key")
	_, _ = wbiCall1(c.Moderations, "main.go:14 main.main")(context.Background(), req)
}

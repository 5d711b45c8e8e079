// Command alias imports go-openai under another name (goopenai): sites are found by import path, not by name.
package main

import (
	"context"

	goopenai "github.com/sashabaranov/go-openai"
)

func main() {
	var req goopenai.ModerationRequest
	req.Input = "x"
	c := goopenai.NewClient("key")
	_, _ = c.Moderations(context.Background(), req)
}

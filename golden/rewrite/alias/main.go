// Command alias imports go-openai under another name (goopenai): sites are found by import path, not by name.
package main

import (
	"context"
	"fmt"

	goopenai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :12:1
	c := wbiNewClient(goopenai.NewClientWithConfig, goopenai.DefaultConfig, "key")
	resp, err := wbiCall1(c.Moderations, "main.go:13 main.main")(context.Background(), goopenai.ModerationRequest{Input: "x"})
	fmt.Println(resp.ID, err)
}

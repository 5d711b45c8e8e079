// Command alias imports go-openai under another name (goopenai): sites are found by import path, not by name.
package main

import (
	"context"
	"fmt"

	goopenai "github.com/sashabaranov/go-openai"
)

func main() {
	c := goopenai.NewClient("key")
	resp, err := c.Moderations(context.Background(), goopenai.ModerationRequest{Input: "x"})
	fmt.Println(resp.ID, err)
}

// Command vendored builds from vendor/ only: the rewrite must copy the
// runtime there and list it in vendor/modules.txt itself.
package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :12:1
	client := wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, "key")
	req := openai.ChatCompletionRequest{Model: openai.GPT4oMini}
	if _, err := wbiCall1(client.CreateChatCompletion, "main.go:14 main.main")(context.Background(), req); err != nil {
		println(err.Error())
	}
}

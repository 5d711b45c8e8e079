// Command vendored builds from vendor/ only: the rewrite must copy the
// runtime there and list it in vendor/modules.txt itself.
package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	client := openai.NewClient("key")
	req := openai.ChatCompletionRequest{Model: openai.GPT4oMini}
	if _, err := client.CreateChatCompletion(context.Background(), req); err != nil {
		println(err.Error())
	}
}

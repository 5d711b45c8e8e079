// Command mixed has a file that is not gofmt-clean (helper.go, kept so) and one without go-openai (util.go, untouched).
package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :11:1
	_ = helper(context.Background(), wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, "key"))
}

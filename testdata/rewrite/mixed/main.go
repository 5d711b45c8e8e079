// Command mixed has a file that is not gofmt-clean (helper.go, kept so) and one without go-openai (util.go, untouched).
package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	_ = helper(context.Background(), openai.NewClient("key"))
}

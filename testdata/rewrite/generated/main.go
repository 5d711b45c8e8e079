// Command generated has a generated file (gen.go), left alone by default, beside one that is rewritten.
package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	_ = gen(context.TODO(), openai.NewClient("key"))
}

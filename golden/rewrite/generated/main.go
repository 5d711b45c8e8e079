// Command generated has a generated file (gen.go), left alone by default, beside one that is rewritten.
package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :11:1
	_ = gen(context.TODO(), wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, "key"))
}

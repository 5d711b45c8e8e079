// Command generated has a generated file (gen.go), left alone by default, beside one that is rewritten.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :13:1
	c := wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, os.Getenv("OPENAI_API_KEY"))
	fmt.Println(gen(context.Background(), c))
}

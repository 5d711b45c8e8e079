// Command generated has a generated file (gen.go), left alone by default, beside one that is rewritten.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	c := openai.NewClient(os.Getenv("OPENAI_API_KEY"))
	fmt.Println(gen(context.Background(), c))
}

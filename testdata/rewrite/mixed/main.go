// Command mixed has a file that is not gofmt-clean (helper.go, kept so) and one without go-openai (util.go, untouched).
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	c := openai.NewClient(os.Getenv("OPENAI_API_KEY"))
	fmt.Println(helper(context.Background(), c))
}

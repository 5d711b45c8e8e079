// Command go116 is a module whose go line (1.16) is below the runtime's:
// the rewrite raises it to 1.18, lists the module it reaches only through
// a dependency (go 1.17 module graph pruning needs it), and revert
// restores go.mod byte for byte.
package main

import (
	"context"
	"fmt"

	"example.com/a"
	openai "github.com/sashabaranov/go-openai"
)

func main() {
	c := openai.NewClient("key")
	_, err := c.GetModel(context.Background(), a.Model())
	fmt.Println(err)
}

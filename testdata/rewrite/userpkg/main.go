// Command userpkg imports a package of its own named openai, which is not go-openai: nothing changes.
package main

import (
	"context"
	"fmt"

	"example.com/userpkg/openai"
)

func main() {
	c := openai.NewClient("key")
	fmt.Println(c.CreateChatCompletion(context.Background(), "hi"))
}

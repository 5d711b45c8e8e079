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

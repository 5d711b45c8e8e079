package main

import (
	"context"
	"fmt"

	"example.com/gowork/lib"
)

func main() {
	c := lib.New("key")
	_, err := c.ListModels(context.Background())
	fmt.Println(err)
}

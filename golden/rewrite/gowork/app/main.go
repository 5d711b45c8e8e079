package main

import (
	"context"
	"fmt"

	"example.com/gowork/lib"
)

func main() {
	defer wbiFinish()
//line :11:1
	c := lib.New("key")
	_, err := wbiCall0(c.ListModels, "main.go:12 main.main")(context.Background())
	fmt.Println(err)
}

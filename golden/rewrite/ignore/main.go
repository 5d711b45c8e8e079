// Command ignore has //wbinstrument:ignore on a line, a function and a file: that code stays as it is (a directive after code covers its own line only).
package main

import (
	"context"
	"fmt"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	defer wbiFinish()
//line :12:1
	c := openai.NewClient("key") //wbinstrument:ignore
	ctx := context.Background()
	//wbinstrument:ignore
	_, _ = c.ListModels(ctx)
	_, _ = wbiCall0(c.ListFiles, "main.go:16 main.main")(ctx)
	_, _ = c.ListEngines(ctx) //wbinstrument:ignore
	_, _ = wbiCall0(c.ListModels, "main.go:18 main.main")(ctx)
	quiet(ctx, c)
	fmt.Println(other(ctx, c))
}

// quiet is not instrumented.
//
//wbinstrument:ignore
func quiet(ctx context.Context, c *openai.Client) {
	_, _ = c.ListEngines(ctx)
}

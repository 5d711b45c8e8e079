// Command httpclient sets its own HTTPDoer, which the instrumented client keeps and wraps.
package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

type doer struct{ c *http.Client }

func (d doer) Do(r *http.Request) (*http.Response, error) { return d.c.Do(r) }

func main() {
	cfg := openai.DefaultConfig("key")
	cfg.HTTPClient = doer{&http.Client{Timeout: time.Minute}}
	c := openai.NewClientWithConfig(
		cfg,
	)
	_, err := c.ListModels(context.Background())
	fmt.Println(err)
}

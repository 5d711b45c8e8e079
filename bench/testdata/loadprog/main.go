// Command loadprog is the program BenchmarkAsUsersCompare builds twice,
// plain and instrumented by wbinstrument: it makes go-openai calls back to
// back against LOAD_URL and prints one JSON line with each call's latency
// quantiles and the time its calls took.
//
//	LOAD_MODE     chat, stream or mix (3 chats : 1 stream)
//	LOAD_CALLS    calls in all (default 2000)
//	LOAD_WORKERS  goroutines sharing the calls (default 1)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	cfg := openai.DefaultConfig("sk-load-0123456789abcdef")
	cfg.BaseURL = os.Getenv("LOAD_URL")
	client := openai.NewClientWithConfig(cfg)
	mode := os.Getenv("LOAD_MODE")
	calls := envInt("LOAD_CALLS", 2000)
	workers := envInt("LOAD_WORKERS", 1)

	lat := make([]time.Duration, calls)
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= calls {
					return
				}
				stream := mode == "stream" || (mode == "mix" && i%4 == 3)
				t0 := time.Now()
				if err := call(client, stream, i); err != nil {
					fmt.Fprintln(os.Stderr, "loadprog:", err)
					os.Exit(1)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	loop := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) int64 { return lat[int(p*float64(len(lat)-1))].Nanoseconds() }
	json.NewEncoder(os.Stdout).Encode(map[string]int64{"p50_ns": q(0.50), "p99_ns": q(0.99), "loop_ns": loop.Nanoseconds()})
}

func call(c *openai.Client, stream bool, i int) error {
	req := openai.ChatCompletionRequest{
		Model:    openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Question number " + strconv.Itoa(i%50) + ": what is W&B?"}},
	}
	ctx := context.Background()
	if !stream {
		resp, err := c.CreateChatCompletion(ctx, req)
		if err == nil && len(resp.Choices) == 0 {
			err = errors.New("no choices")
		}
		return err
	}
	s, err := c.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return err
	}
	defer s.Close()
	for {
		chunk, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		_ = chunk.Choices[0].Delta.Content
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

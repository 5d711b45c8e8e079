// Package runtest logs chat streams through the real runtime into an
// offline run, for the tests of the tools that read runs back (tokens,
// sync, view), and finds the one run a test's program wrote (OneRun).
//
// It speaks OpenAI's HTTP API itself, through the same instrumented HTTP
// layer that a go-openai client gets from wbopenai.Config, instead of
// importing go-openai: the CLI's module must not require go-openai, or
// `go get -tool` of the CLI would raise its users' go-openai version.
package runtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// Message is one chat message, as OpenAI's API spells it.
type Message struct {
	Role    string `json:"role"`
	Name    string `json:"name,omitempty"`
	Content string `json:"content"`
}

// Request is a chat completion request; Streams sends it with
// "stream": true.
type Request struct {
	Model    string    `json:"model"`
	Messages []Message `json:"messages"`
	Stream   bool      `json:"stream"`
}

// doer is go-openai's HTTPDoer, the field type wbopenai.Config wraps.
type doer interface {
	Do(*http.Request) (*http.Response, error)
}

// clientConfig has the field of go-openai's ClientConfig that
// wbopenai.Config instruments.
type clientConfig struct {
	HTTPClient doer
}

// Streams sends each request as a chat stream to a fresh fake OpenAI
// server through the instrumented HTTP layer, reads every stream to its
// end, finishes the run and returns its directory with the text each
// stream delivered. A model named "nousage-..." makes the server ignore
// include_usage, so the runtime logs that call usage_missing.
//
// The runtime keeps one run per process: call Streams once per test binary.
func Streams(t testing.TB, reqs ...Request) (runDir string, texts []string) {
	t.Helper()
	srv := fakeopenai.New()
	defer srv.Close()
	dir := t.TempDir()
	if err := wbopenai.Init(wandb.Options{Dir: dir, Mode: "offline", Project: "runtest", Silent: true}); err != nil {
		t.Fatal(err)
	}
	client := wbopenai.Config(clientConfig{HTTPClient: &http.Client{}}).HTTPClient
	for _, req := range reqs {
		req.Stream = true
		text, err := stream(client, srv.URL(), req)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, text)
	}
	wbopenai.Finish()
	return OneRun(t, dir, "offline-run-*"), texts
}

// stream posts one streamed chat request and returns the content of its
// chunks' first choice, read as go-openai's stream reader reads them.
func stream(client doer, baseURL string, req Request) (string, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	hr, err := http.NewRequest(http.MethodPost, baseURL+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "text/event-stream")
	hr.Header.Set("Authorization", "Bearer sk-runtest-0123456789")
	resp, err := client.Do(hr)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", &statusError{resp.Status}
	}
	var text strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			break
		}
		var chunk struct {
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			return "", err
		}
		if len(chunk.Choices) > 0 {
			text.WriteString(chunk.Choices[0].Delta.Content)
		}
	}
	return text.String(), sc.Err()
}

type statusError struct{ status string }

func (e *statusError) Error() string { return "chat stream: HTTP " + e.status }

// Ask is a one-message chat request.
func Ask(model, question string) Request {
	return Request{Model: model, Messages: []Message{{Role: "user", Content: question}}}
}

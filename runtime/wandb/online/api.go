package online

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is W&B's public API, used when WANDB_BASE_URL is unset.
const DefaultBaseURL = "https://api.wandb.ai"

// UploadError is a W&B API failure that sending again will not fix: a
// rejected key, an unknown entity or project, a refused request. Its
// message never contains the API key.
type UploadError struct {
	Op     string // "UpsertBucket", "CreateRunFiles", "file_stream" or "upload"
	URL    string // the endpoint, without credentials
	Status int    // HTTP status; 200 for a GraphQL error
	Msg    string // what the server said, or why the request failed
}

func (e *UploadError) Error() string {
	if e.Status == http.StatusUnauthorized {
		return fmt.Sprintf("wandb: %s %s: W&B rejected the API key (401 Unauthorized); check WANDB_API_KEY", e.Op, e.URL)
	}
	if e.Status == http.StatusOK {
		return fmt.Sprintf("wandb: %s %s: %s", e.Op, e.URL, e.Msg)
	}
	return fmt.Sprintf("wandb: %s %s: HTTP %d: %s", e.Op, e.URL, e.Status, e.Msg)
}

// Unauthorized reports whether W&B rejected the API key.
func (e *UploadError) Unauthorized() bool {
	return e.Status == http.StatusUnauthorized
}

// apiClient talks to one W&B server with one key. Every request is retried
// by its retryPolicy; a request body is always a complete, idempotent unit
// (file_stream lines carry their offsets), so sending it twice is safe.
type apiClient struct {
	base    string // scheme://host[/path], no trailing slash, no userinfo
	key     string
	hc      *http.Client
	retry   retryPolicy
	timeout time.Duration // per attempt
	// onRetry, when set, hears of every failed attempt that will be
	// retried (tests count them; never given the key).
	onRetry func(op string, err error, wait time.Duration)
}

// newAPIClient checks the base URL and key. The key travels only in the
// Authorization header of requests to base, never to upload URLs.
func newAPIClient(baseURL, key string) (*apiClient, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("wandb: base URL %q is not an http(s) URL", redactURL(baseURL))
	}
	if u.User != nil {
		// A key in the URL would end up in every error message.
		return nil, errors.New("wandb: base URL must not contain credentials; set WANDB_API_KEY instead")
	}
	if key == "" {
		return nil, errors.New("wandb: online mode needs an API key (WANDB_API_KEY)")
	}
	u.RawQuery, u.Fragment = "", ""
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &apiClient{
		base:    strings.TrimRight(u.String(), "/"),
		key:     key,
		hc:      &http.Client{Transport: tr},
		retry:   defaultRetry,
		timeout: 60 * time.Second,
	}, nil
}

// redactURL drops userinfo from a URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		if i := strings.Index(s, "@"); i >= 0 {
			return "<redacted>" + s[i:]
		}
		return s
	}
	u.User = nil
	return u.String()
}

// redact removes the key from a message, whatever put it there.
func (c *apiClient) redact(s string) string {
	if len(c.key) >= 4 {
		s = strings.ReplaceAll(s, c.key, "<redacted>")
	}
	return s
}

// errRetry marks an attempt that failed in a way worth retrying.
type errRetry struct {
	err    error
	header http.Header
}

func (e *errRetry) Error() string { return e.err.Error() }

// send runs one request with retries. auth adds the W&B key; upload URLs
// (cloud storage) get none. It returns the body of a 2xx answer.
func (c *apiClient) send(ctx context.Context, op, method, endpoint string, body []byte, header http.Header, auth bool) ([]byte, error) {
	start := time.Now()
	for attempt := 0; ; attempt++ {
		out, err := c.attempt(ctx, op, method, endpoint, body, header, auth)
		if err == nil {
			return out, nil
		}
		var re *errRetry
		if !errors.As(err, &re) {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("wandb: %s %s: gave up (%v) after %d attempts; last error: %s", op, c.redact(redactURL(endpoint)), ctx.Err(), attempt+1, c.redact(re.err.Error()))
		}
		wait := c.retry.wait(attempt, re.header, time.Now())
		if c.retry.giveUp > 0 && time.Since(start)+wait > c.retry.giveUp {
			return nil, fmt.Errorf("wandb: %s %s: gave up after %d attempts in %v; last error: %s", op, c.redact(redactURL(endpoint)), attempt+1, time.Since(start).Round(time.Millisecond), c.redact(re.err.Error()))
		}
		if c.onRetry != nil {
			c.onRetry(op, errors.New(c.redact(re.err.Error())), wait)
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return nil, fmt.Errorf("wandb: %s %s: gave up (%v) after %d attempts; last error: %s", op, c.redact(redactURL(endpoint)), err, attempt+1, c.redact(re.err.Error()))
		}
	}
}

// maxAnswer bounds how much of an answer is read; W&B's answers to these
// requests are small.
const maxAnswer = 4 << 20

func (c *apiClient) attempt(ctx context.Context, op, method, endpoint string, body []byte, header http.Header, auth bool) ([]byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, method, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, &UploadError{Op: op, URL: c.redact(redactURL(endpoint)), Msg: c.redact(err.Error())}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if auth {
		req.SetBasicAuth("api", c.key)
	}
	if req.Header.Get("Content-Type") == "" && method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// Network errors, resets and timeouts: the request may or may
		// not have arrived, which the protocol's offsets make harmless.
		return nil, &errRetry{err: err}
	}
	out, rerr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		if rerr != nil {
			return nil, &errRetry{err: fmt.Errorf("reading the answer: %w", rerr)}
		}
		return out, nil
	}
	if retryableStatus(resp.StatusCode) {
		return nil, &errRetry{err: fmt.Errorf("HTTP %s", resp.Status), header: resp.Header}
	}
	return nil, &UploadError{Op: op, URL: c.redact(redactURL(endpoint)), Status: resp.StatusCode, Msg: c.redact(answerMessage(out))}
}

// answerMessage extracts a human message from an error answer body.
func answerMessage(body []byte) string {
	var v struct {
		Error  interface{} `json:"error"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &v) == nil {
		var msgs []string
		for _, e := range v.Errors {
			msgs = append(msgs, e.Message)
		}
		if s, ok := v.Error.(string); ok && s != "" {
			msgs = append(msgs, s)
		}
		if len(msgs) > 0 {
			return strings.Join(msgs, "; ")
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	if s == "" {
		s = "(empty answer)"
	}
	return s
}

type graphqlAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// graphql runs one GraphQL operation and decodes its data into out.
// GraphQL errors (status 200) are final: W&B answers them for unknown
// entities and projects and for refused input.
func (c *apiClient) graphql(ctx context.Context, op, query string, vars map[string]interface{}, out interface{}) error {
	body, err := json.Marshal(map[string]interface{}{"query": query, "variables": vars, "operationName": op})
	if err != nil {
		return fmt.Errorf("wandb: %s: encoding variables: %v", op, err)
	}
	endpoint := c.base + "/graphql"
	raw, err := c.send(ctx, op, http.MethodPost, endpoint, body, nil, true)
	if err != nil {
		return err
	}
	var ans graphqlAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return &UploadError{Op: op, URL: endpoint, Status: http.StatusOK, Msg: "answer is not GraphQL JSON: " + c.redact(answerMessage(raw))}
	}
	if len(ans.Errors) > 0 {
		msgs := make([]string, len(ans.Errors))
		for i, e := range ans.Errors {
			msgs[i] = e.Message
		}
		return &UploadError{Op: op, URL: endpoint, Status: http.StatusOK, Msg: c.redact(strings.Join(msgs, "; "))}
	}
	if out != nil {
		if err := json.Unmarshal(ans.Data, out); err != nil {
			return &UploadError{Op: op, URL: endpoint, Status: http.StatusOK, Msg: "unexpected answer: " + err.Error()}
		}
	}
	return nil
}

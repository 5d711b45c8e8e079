package online

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

func TestRetryableStatus(t *testing.T) {
	retry := []int{408, 429, 500, 502, 503, 504}
	final := []int{400, 401, 403, 404, 409, 410, 413, 422, 501}
	for _, c := range retry {
		if !retryableStatus(c) {
			t.Errorf("status %d: not retried, want retried", c)
		}
	}
	for _, c := range final {
		if retryableStatus(c) {
			t.Errorf("status %d: retried, want final", c)
		}
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	lo := retryPolicy{base: 2 * time.Second, max: 60 * time.Second, jitter: func() float64 { return 0 }}
	hi := lo
	hi.jitter = func() float64 { return 0.999999 }
	wantFull := []time.Duration{2, 4, 8, 16, 32, 60, 60, 60}
	for i, full := range wantFull {
		full *= time.Second
		if got := lo.backoff(i); got != full/2 {
			t.Errorf("attempt %d, no jitter: %v, want %v", i, got, full/2)
		}
		if got := hi.backoff(i); got <= full/2 || got > full {
			t.Errorf("attempt %d, max jitter: %v, want in (%v, %v]", i, got, full/2, full)
		}
	}
	if got := lo.backoff(1000); got != 30*time.Second {
		t.Errorf("attempt 1000: %v, want the cap's half 30s (no overflow)", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	p := retryPolicy{base: time.Second, max: time.Second, retryAfterMax: time.Minute, jitter: func() float64 { return 0 }}
	cases := []struct {
		header string
		want   time.Duration
	}{
		{"3", 3 * time.Second},
		{"0.5", 500 * time.Millisecond},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
		{"3600", time.Minute}, // capped
		{"soon", 500 * time.Millisecond},
		{"-1", 500 * time.Millisecond},
	}
	for _, c := range cases {
		h := http.Header{"Retry-After": {c.header}}
		if got := p.wait(0, h, now); got != c.want {
			t.Errorf("Retry-After %q: wait %v, want %v", c.header, got, c.want)
		}
	}
}

func TestHistoryLine(t *testing.T) {
	h := &wandbfile.HistoryRecord{Step: 7, Items: []wandbfile.Item{
		{NestedKey: []string{"usage/total_tokens"}, ValueJSON: json.RawMessage(`12`)},
		{Key: "trace", ValueJSON: json.RawMessage("{\n  \"a\": [1, 2]\n}")},
		{Key: "bad", ValueJSON: json.RawMessage(`{nope`)},
		{Key: "quote\"d", ValueJSON: json.RawMessage(`"x"`)},
	}}
	got := string(historyLine(h))
	want := `{"usage/total_tokens":12,"trace":{"a":[1,2]},"bad":null,"quote\"d":"x","_step":7}`
	if got != want {
		t.Fatalf("historyLine:\n got %s\nwant %s", got, want)
	}
	h.Items = append(h.Items, wandbfile.Item{Key: "_step", ValueJSON: json.RawMessage(`7`)})
	if got := string(historyLine(h)); strings.Count(got, `"_step"`) != 1 {
		t.Errorf("a row with _step got a second one: %s", got)
	}
}

func TestConfigAndUpsertVars(t *testing.T) {
	cfg := map[string]json.RawMessage{"model": json.RawMessage(`"gpt-4o"`), "lr": json.RawMessage(`0.1`)}
	s, err := configJSON(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"lr":{"value":0.1,"desc":null},"model":{"value":"gpt-4o","desc":null}}`; s != want {
		t.Errorf("configJSON = %s, want %s", s, want)
	}
	if _, err := configJSON(map[string]json.RawMessage{"x": json.RawMessage(`{`)}); err == nil {
		t.Error("configJSON accepted invalid JSON")
	}
	vars, err := upsertVars(&runInfo{ID: "abc", Project: "p", Tags: []string{"t1"}, Host: "h"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(vars)
	want := `{"config":"{\"lr\":{\"value\":0.1,\"desc\":null},\"model\":{\"value\":\"gpt-4o\",\"desc\":null}}","host":"h","name":"abc","project":"p","tags":["t1"]}`
	if string(b) != want {
		t.Errorf("upsertVars =\n %s\nwant\n %s", b, want)
	}
}

func TestFileStreamBodyAndSummary(t *testing.T) {
	s, err := summaryJSON(map[string]json.RawMessage{"b": json.RawMessage(`2`), "a": json.RawMessage("[1,\n2]")})
	if err != nil {
		t.Fatal(err)
	}
	if s != `{"a":[1,2],"b":2}` {
		t.Errorf("summaryJSON = %s", s)
	}
	b, err := fileStreamBody(map[string]streamFile{
		historyFile: {Offset: 3, Content: []string{`{"_step":3}`}},
		summaryFile: {Offset: 0, Content: []string{s}},
	}, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"files":{"wandb-history.jsonl":{"offset":3,"content":["{\"_step\":3}"]},"wandb-summary.json":{"offset":0,"content":["{\"a\":[1,2],\"b\":2}"]}}}`
	if string(b) != want {
		t.Errorf("file_stream body:\n got %s\nwant %s", b, want)
	}
	b, _ = fileStreamBody(nil, true, 0)
	if string(b) != `{"files":{},"complete":true,"exitcode":0}` {
		t.Errorf("final body = %s", b)
	}
	// The last request names the uploaded files, as W&B's
	// FileStreamRequestJSON does (core/internal/filestream/
	// filestreamrequest.go: "uploaded", omitted when empty).
	b, _ = fileStreamBody(nil, true, 1, "config.yaml", "media/table/stats_0_ab.table.json")
	if string(b) != `{"files":{},"uploaded":["config.yaml","media/table/stats_0_ab.table.json"],"complete":true,"exitcode":1}` {
		t.Errorf("final body with uploads = %s", b)
	}
}

func TestOutputLine(t *testing.T) {
	if got := outputLine(&wandbfile.OutputRawRecord{OutputType: 1, Timestamp: "T", Line: "hi\n"}); got != "T hi" {
		t.Errorf("stdout line = %q", got)
	}
	if got := outputLine(&wandbfile.OutputRawRecord{OutputType: 0, Timestamp: "T", Line: "oops"}); got != "ERROR T oops" {
		t.Errorf("stderr line = %q", got)
	}
}

// scripted answers requests with the given statuses in turn, then 200.
type scripted struct {
	mu       sync.Mutex
	statuses []int
	header   http.Header
	body     string
	calls    int
	auths    []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.auths = append(s.auths, r.Header.Get("Authorization"))
	if len(s.statuses) > 0 {
		code := s.statuses[0]
		s.statuses = s.statuses[1:]
		for k, v := range s.header {
			w.Header()[k] = v
		}
		w.WriteHeader(code)
		w.Write([]byte(s.body))
		return
	}
	w.Write([]byte(`{"ok":true}`))
}

const testKey = "test-key-0123456789abcdef"

func testClient(t *testing.T, h http.Handler) (*apiClient, string) {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	c, err := newAPIClient(ts.URL, testKey)
	if err != nil {
		t.Fatal(err)
	}
	c.retry = retryPolicy{base: time.Millisecond, max: 4 * time.Millisecond, retryAfterMax: 5 * time.Second}
	c.timeout = 2 * time.Second
	return c, ts.URL
}

func TestSendRetriesThenSucceeds(t *testing.T) {
	s := &scripted{statuses: []int{500, 503, 429, 408}}
	c, base := testClient(t, s)
	var retries int
	c.onRetry = func(string, error, time.Duration) { retries++ }
	out, err := c.send(context.Background(), "file_stream", http.MethodPost, base+"/x", []byte(`{}`), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"ok":true}` || s.calls != 5 || retries != 4 {
		t.Errorf("answer %s after %d calls and %d retries, want ok after 5 and 4", out, s.calls, retries)
	}
	for _, a := range s.auths {
		if !strings.HasPrefix(a, "Basic ") {
			t.Errorf("Authorization %q, want Basic", a)
		}
	}
}

func TestSendFinalStatusesAndRedaction(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 410, 413, 422, 501} {
		s := &scripted{statuses: []int{code}, body: `{"error":"bad thing with ` + testKey + `"}`}
		c, base := testClient(t, s)
		_, err := c.send(context.Background(), "file_stream", http.MethodPost, base+"/x", nil, nil, true)
		var ue *UploadError
		if !errors.As(err, &ue) || ue.Status != code {
			t.Errorf("status %d: error %v, want an UploadError with that status", code, err)
			continue
		}
		if s.calls != 1 {
			t.Errorf("status %d: %d calls, want 1 (no retry)", code, s.calls)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("status %d: error shows the key: %v", code, err)
		}
		if code == 401 && (!ue.Unauthorized() || !strings.Contains(err.Error(), "WANDB_API_KEY")) {
			t.Errorf("401 message does not point at the key: %v", err)
		}
	}
}

func TestSendHonoursRetryAfter(t *testing.T) {
	s := &scripted{statuses: []int{429}, header: http.Header{"Retry-After": {"1"}}}
	c, base := testClient(t, s)
	start := time.Now()
	if _, err := c.send(context.Background(), "file_stream", http.MethodPost, base+"/x", nil, nil, true); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, want at least the 1s of Retry-After", d)
	}
}

func TestSendGivesUpAtDeadline(t *testing.T) {
	s := &scripted{statuses: make([]int, 1000)}
	for i := range s.statuses {
		s.statuses[i] = 502
	}
	c, base := testClient(t, s)
	// giveUp is checked between attempts, so the last error is a 502.
	c.retry.giveUp = 50 * time.Millisecond
	_, err := c.send(context.Background(), "file_stream", http.MethodPost, base+"/x", nil, nil, true)
	if err == nil || !strings.Contains(err.Error(), "gave up") || !strings.Contains(err.Error(), "502") {
		t.Errorf("error %v, want a give-up naming the last 502", err)
	}
	// A context deadline may cut an attempt in flight; it still ends the
	// retries promptly.
	c.retry.giveUp = 0
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.send(ctx, "file_stream", http.MethodPost, base+"/x", nil, nil, true)
	if err == nil || !strings.Contains(err.Error(), "gave up") || time.Since(start) > time.Second {
		t.Errorf("error %v after %v, want a give-up at the 100ms deadline", err, time.Since(start))
	}
}

func TestUploadsCarryNoKey(t *testing.T) {
	s := &scripted{}
	c, base := testClient(t, s)
	if _, err := c.send(context.Background(), "upload", http.MethodPut, base+"/bucket/obj?sig=1", []byte("data"), nil, false); err != nil {
		t.Fatal(err)
	}
	if s.auths[0] != "" {
		t.Errorf("upload carried Authorization %q", s.auths[0])
	}
}

func TestNewAPIClientRejectsCredentialsInURL(t *testing.T) {
	_, err := newAPIClient("https://api:"+testKey+"@example.com", testKey)
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("error %v: want a refusal without the key", err)
	}
	if _, err := newAPIClient("https://example.com", ""); err == nil {
		t.Error("no error without a key")
	}
}

func TestTuningFromEnv(t *testing.T) {
	env := map[string]string{
		"WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL":      "0.05",
		"WANDB_X_FILE_STREAM_RETRY_WAIT_MIN_SECONDS": "0.01",
		"WANDB_X_FILE_STREAM_RETRY_WAIT_MAX_SECONDS": "bogus",
		"WBINSTRUMENT_ONLINE_MAX_PENDING":            "4096",
	}
	got := tuningFromEnv(onlineDefaults, func(k string) string { return env[k] })
	if got.flushEvery != 50*time.Millisecond || got.retry.base != 10*time.Millisecond ||
		got.retry.max != onlineDefaults.retry.max || got.maxPending != 4096 {
		t.Errorf("tuning = %+v", got)
	}
}

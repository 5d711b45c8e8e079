package wbopenai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// TestWithIncludeUsageSplice checks the spliced bodies against what a
// decoder makes of them: the user's fields unchanged and in order, plus
// stream_options.include_usage, and no splice where stream_options is
// already a top-level key.
func TestWithIncludeUsageSplice(t *testing.T) {
	cases := []struct {
		in      string
		spliced bool // the user's bytes kept as a prefix
	}{
		{`{}`, true},
		{` { } `, true},
		{`{"model":"m","stream":true}`, true},
		{"{\n  \"model\": \"m\",\n  \"n\": 1.5e3,\n  \"stop\": null\n}\n", true},
		// The key's text inside values, strings and nested objects is not
		// a top-level key.
		{`{"messages":[{"role":"user","content":"\"stream_options\":{\"include_usage\":false}"}],"stream":true}`, true},
		{`{"metadata":{"stream_options":{"include_usage":false}},"x":[1,{"a":"}"}]}`, true},
		{`{"a":"\\","stream":true}`, true},
		// Top-level stream_options, plainly or escaped: decoded and merged.
		{`{"stream":true,"stream_options":{"include_usage":false,"foo":1}}`, false},
		{`{"stream":true,"stream\u005foptions":{"foo":1}}`, false},
		{`{"stream_options":null}`, false},
	}
	for _, c := range cases {
		got, ok := withIncludeUsage([]byte(c.in), nil)
		if !ok {
			t.Errorf("withIncludeUsage(%s): not injected", c.in)
			continue
		}
		var in, out map[string]interface{}
		if err := json.Unmarshal([]byte(c.in), &in); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &out); err != nil {
			t.Errorf("withIncludeUsage(%s) = %s: not JSON: %v", c.in, got, err)
			continue
		}
		opts, _ := out["stream_options"].(map[string]interface{})
		if opts["include_usage"] != true {
			t.Errorf("withIncludeUsage(%s) = %s: no include_usage", c.in, got)
		}
		if old, _ := in["stream_options"].(map[string]interface{}); old != nil {
			for k, v := range old {
				if k != "include_usage" && !reflect.DeepEqual(opts[k], v) {
					t.Errorf("withIncludeUsage(%s) = %s: lost stream option %s", c.in, got, k)
				}
			}
		}
		delete(in, "stream_options")
		delete(out, "stream_options")
		if !reflect.DeepEqual(in, out) {
			t.Errorf("withIncludeUsage(%s) = %s: other fields changed", c.in, got)
		}
		if c.spliced != strings.HasPrefix(string(got), c.in[:strings.LastIndex(c.in, "}")]) {
			t.Errorf("withIncludeUsage(%s) = %s: spliced = %v, want %v", c.in, got, !c.spliced, c.spliced)
		}
	}
}

// TestWithIncludeUsageRejects: what is not a JSON object is sent as the
// user wrote it.
func TestWithIncludeUsageRejects(t *testing.T) {
	for _, in := range []string{``, `[]`, `"x"`, `{`, `{"a":1`, `{"a":1}}`, `{"a"}`, `{"a":}`, `{"a":"x}`, `{"a":[1,2}`, `{a:1}`, `{"a":1,}`, `{"a":1} x`, `null`} {
		if got, ok := withIncludeUsage([]byte(in), nil); ok {
			t.Errorf("withIncludeUsage(%q) = %s, want no injection", in, got)
		}
	}
}

// BenchmarkWithIncludeUsage is the caller-path cost of asking a stream for
// its usage, with a 2 KiB prompt.
func BenchmarkWithIncludeUsage(b *testing.B) {
	body, _ := json.Marshal(map[string]interface{}{
		"model": "gpt-4o-mini", "stream": true,
		"messages": []interface{}{map[string]interface{}{"role": "user", "content": strings.Repeat("q", 2<<10)}},
	})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, ok := withIncludeUsage(body, nil); !ok {
			b.Fatal("not injected")
		}
	}
}

// TestReadBody: the body comes back whole whatever ContentLength said.
func TestReadBody(t *testing.T) {
	const body = `{"model":"m"}`
	for _, size := range []int64{-1, 0, 5, int64(len(body)), int64(len(body)) + 7} {
		got, err := readBody(strings.NewReader(body), size, 40)
		if err != nil || string(got) != body {
			t.Errorf("readBody(size %d) = %q, %v; want %q", size, got, err, body)
		}
	}
}

// TestInjectedRequestIsOneWrite: a stream request sent with include_usage
// spliced in goes out in one write, headers and body together, as the
// user's own request does. net/http flushes the headers on their own (a
// second write, and a second TCP segment the server waits for) unless it
// knows the body is in memory (isKnownInMemoryReader in
// net/http/transfer.go).
func TestInjectedRequestIsOneWrite(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer ts.Close()
	var writes int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return writeCounter{c, &writes}, nil
	}}
	defer tr.CloseIdleConnections()
	body := []byte(`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	for _, inject := range []bool{false, true, true} { // the second injected one reuses the connection
		req, err := http.NewRequest(http.MethodPost, ts.URL+"/v1/chat/completions", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		send := req
		if inject {
			ev := &event{}
			if send = injectUsage(req, ev); !ev.injected {
				t.Fatal("include_usage was not spliced in")
			}
		}
		atomic.StoreInt32(&writes, 0)
		resp, err := tr.RoundTrip(send)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n := atomic.LoadInt32(&writes); n != 1 {
			t.Errorf("injected %v: the request took %d writes, want 1", inject, n)
		}
	}
}

// writeCounter counts the writes made on a connection.
type writeCounter struct {
	net.Conn
	n *int32
}

func (c writeCounter) Write(p []byte) (int, error) {
	atomic.AddInt32(c.n, 1)
	return c.Conn.Write(p)
}

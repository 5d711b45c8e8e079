package wbopenai

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

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

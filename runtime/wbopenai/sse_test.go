package wbopenai

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

const plainStream = "data: {\"id\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n" +
	"data: {\"id\":\"a\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
	"data: [DONE]\n\n"

const usageStream = "data: {\"id\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n" +
	"data: {\"id\":\"a\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n" +
	"data: {\"id\":\"a\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}\n\n" +
	"data: [DONE]\n\n"

// TestSSEFilterRestoresPlainStream checks that the user reads exactly the
// stream the server sends without include_usage, however the upstream
// reads are cut, while the capture keeps the usage.
func TestSSEFilterRestoresPlainStream(t *testing.T) {
	holdLogging(t)
	for _, name := range []string{"whole", "onebyte", "half"} {
		var r io.Reader = strings.NewReader(usageStream)
		switch name {
		case "onebyte":
			r = iotest.OneByteReader(r)
		case "half":
			r = iotest.HalfReader(r)
		}
		ev := &event{injected: true, resp: newCapture(-1)}
		sc := &streamCall{ev: ev}
		b := newSSEBody(io.NopCloser(r), sc)
		got, err := io.ReadAll(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if string(got) != plainStream {
			t.Errorf("%s: user read\n%q\nwant\n%q", name, got, plainStream)
		}
		if string(ev.resp.head) != usageStream {
			t.Errorf("%s: capture lost bytes: %q", name, ev.resp.head)
		}
		if !sc.done || ev.end.IsZero() {
			t.Errorf("%s: call not ended at EOF", name)
		}
		b.Close()
	}
}

func TestWithIncludeUsage(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"model":"m","stream":true}`, `{"model":"m","stream":true,"stream_options":{"include_usage":true}}`},
		{`{"stream_options":{"foo":1}}`, `{"stream_options":{"foo":1,"include_usage":true}}`},
		{`{"stream_options":{"include_usage":false}}`, `{"stream_options":{"include_usage":true}}`},
		{`{"stream_options":{"include_usage":true}}`, ``},
		{`not json`, ``},
	}
	for _, c := range cases {
		got, ok := withIncludeUsage([]byte(c.in), nil)
		if ok != (c.want != "") || (ok && string(got) != c.want) {
			t.Errorf("withIncludeUsage(%s) = %s, %v; want %s", c.in, got, ok, c.want)
		}
	}
}

func TestCaptureKeepsHeadAndTail(t *testing.T) {
	c := newCapture(-1)
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	for i := 0; i <= captureLimit>>20; i++ {
		c.write(chunk)
	}
	c.write([]byte(`...,"usage":{"prompt_tokens":7,"total_tokens":7}}`))
	if !c.truncated() {
		// Head plus tail still hold everything only below the limit.
		t.Fatal("capture not truncated past the limit")
	}
	u := usageFromTail(c.tailBytes())
	if !u.has || u.prompt != 7 || u.total != 7 {
		t.Fatalf("usage from tail = %+v", u)
	}
}

// holdLogging keeps the events a test ends in the queue for the rest of
// the test: a logging goroutine would release their captures (and race
// with the test's reads of them) at its next drain.
func holdLogging(t *testing.T) {
	Finish()
	state.mu.Lock()
	state.sess = &session{} // enqueue starts no session while one is set
	state.mu.Unlock()
	t.Cleanup(func() {
		state.mu.Lock()
		state.sess, state.queue = nil, nil
		state.mu.Unlock()
	})
}

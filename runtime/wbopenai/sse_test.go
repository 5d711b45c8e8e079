package wbopenai

import (
	"bytes"
	"io"
	"math/rand"
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

// filterOracle is the filter as a function of the whole stream, written
// the plain way: the in-place sseBody must give the same bytes however
// the upstream reads are cut.
func filterOracle(stream []byte) []byte {
	var out []byte
	skipBlank := false
	for len(stream) > 0 {
		i := bytes.IndexByte(stream, '\n')
		if i < 0 {
			return append(out, stream...) // an unterminated last line passes through
		}
		line := stream[:i+1]
		stream = stream[i+1:]
		if skipBlank {
			skipBlank = false
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
		}
		if isUsageChunk(line) {
			skipBlank = true
			continue
		}
		if j := bytes.LastIndex(line, nullUsage); bytes.HasPrefix(line, dataPrefix) && j >= 0 {
			if k := j + len(nullUsage); k < len(line) && (line[k] == '}' || line[k] == ',') {
				out = append(out, line[:j]...)
				out = append(out, line[k:]...)
				continue
			}
		}
		out = append(out, line...)
	}
	return out
}

// randReader returns what it holds in reads of random sizes.
type randReader struct {
	b   []byte
	rnd *rand.Rand
}

func (r *randReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := 1 + r.rnd.Intn(len(r.b))
	if r.rnd.Intn(3) == 0 {
		n = 1 + r.rnd.Intn(8)
	}
	if n > len(p) {
		n = len(p)
	}
	if n > len(r.b) {
		n = len(r.b)
	}
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

// TestSSEFilterMatchesOracle feeds random streams, cut at random, through
// sseBody: lines with the null usage anywhere, usage chunks, blank and
// CRLF lines, lines longer than the buffer, an unterminated last line.
func TestSSEFilterMatchesOracle(t *testing.T) {
	holdLogging(t)
	rnd := rand.New(rand.NewSource(1))
	pieces := []func() string{
		func() string { return `data: {"id":"a","choices":[{"delta":{"content":"x"}}],"usage":null}` + "\n\n" },
		func() string {
			return `data: {"id":"a","choices":[{"delta":{"content":"x"}}],"usage":null}` + "\r\n\r\n"
		},
		func() string { return `data: {"id":"a","usage":null,"choices":[{"delta":{"content":"y"}}]}` + "\n\n" },
		func() string { return `data: {"id":"a","choices":[{"delta":{"content":",\"usage\":null}"}}]}` + "\n" },
		func() string {
			return `data: {"id":"a","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}` + "\n\n"
		},
		func() string {
			return `data: {"id":"a","choices":[],"usage":{"total_tokens":4}}` + "\n" + `: comment` + "\n"
		},
		func() string { return "\n" },
		func() string { return " \r\n" },
		func() string { return ": keep-alive\n\n" },
		func() string {
			return `data: {"id":"a","choices":[{"delta":{"content":"` + strings.Repeat("z", rnd.Intn(3*sseBuf)) + `"}}],"usage":null}` + "\n\n"
		},
		func() string { return "data: [DONE]\n\n" },
	}
	for iter := 0; iter < 3000; iter++ {
		var sb strings.Builder
		for k := rnd.Intn(12); k >= 0; k-- {
			sb.WriteString(pieces[rnd.Intn(len(pieces))]())
		}
		if rnd.Intn(4) == 0 {
			sb.WriteString(`data: {"unterminated":null,"usage":null}`)
		}
		in := []byte(sb.String())
		ev := &event{injected: true, resp: newCapture(-1)}
		sc := &streamCall{ev: ev}
		b := newSSEBody(io.NopCloser(&randReader{b: in, rnd: rnd}), sc)
		var got []byte
		buf := make([]byte, 1+rnd.Intn(5000))
		for {
			n, err := b.Read(buf[:1+rnd.Intn(len(buf))])
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		b.Close()
		if want := filterOracle(in); !bytes.Equal(got, want) {
			t.Fatalf("stream %q:\nread %q\nwant %q", in, got, want)
		}
		if !bytes.Equal(ev.resp.head, in) {
			t.Fatalf("capture %q, want %q", ev.resp.head, in)
		}
	}
}

package wbopenai

import (
	"bytes"
	"io"
	"runtime"
	"sync"
)

// sseBody is the body of a streamed response. It copies what arrives into
// the event's capture and, when include_usage was added on the wire,
// removes what that changed from what the user reads: the extra usage
// event (and its blank line) and the "usage":null field of every chunk.
// The user then reads byte for byte what the server would have sent.
type sseBody struct {
	rc io.ReadCloser
	sc *streamCall

	filter    bool
	raw       []byte // upstream bytes not yet cut into lines
	out       []byte // filtered bytes not yet read by the user
	outPos    int
	skipBlank bool
	upErr     error
	scratch   []byte
	block     *[]byte // from ssePool, holding scratch, raw and out

	// mu is held by Read while it uses the buffers, so that Close can
	// return them to the pool only when no Read is under way.
	mu sync.Mutex
}

// sseBuf is the size of an sseBody's read buffer, and the room first
// given to the lines it holds.
const sseBuf = 4096

// ssePool recycles the buffers of finished streams: fresh, they would be
// 12 KiB for the caller to zero on every stream.
var ssePool = sync.Pool{New: func() interface{} {
	b := make([]byte, 3*sseBuf)
	return &b
}}

func newSSEBody(rc io.ReadCloser, sc *streamCall) *sseBody {
	b := &sseBody{rc: rc, sc: sc, filter: sc.ev.injected}
	sc.tracked = true
	track(sc)
	// A stream the user drops without Close is logged when collected.
	runtime.SetFinalizer(b, func(b *sseBody) { b.sc.finish(true, nil) })
	return b
}

func (b *sseBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.filter {
		n, err := b.rc.Read(p)
		b.sc.record(p[:n], err)
		return n, err
	}
	for b.outPos == len(b.out) {
		if b.upErr != nil {
			if len(b.raw) > 0 {
				// An unterminated last line passes through as it came.
				b.out = append(b.out[:0], b.raw...)
				b.outPos, b.raw = 0, b.raw[:0]
				break
			}
			b.sc.record(nil, b.upErr)
			b.release()
			return 0, b.upErr
		}
		if b.scratch == nil {
			// One block for the three buffers, each capped so that
			// growing one copies it out instead of overwriting the next:
			// a stream's chunks are small, so they rarely grow.
			b.block = ssePool.Get().(*[]byte)
			buf := *b.block
			b.scratch = buf[:sseBuf:sseBuf]
			b.raw = buf[sseBuf : sseBuf : 2*sseBuf]
			b.out = buf[2*sseBuf : 2*sseBuf]
		}
		n, err := b.rc.Read(b.scratch)
		b.sc.record(b.scratch[:n], nil)
		b.raw = append(b.raw, b.scratch[:n]...)
		b.out, b.outPos = b.out[:0], 0
		b.cut()
		b.upErr = err
	}
	n := copy(p, b.out[b.outPos:])
	b.outPos += n
	return n, nil
}

// release returns the buffers to the pool once nothing will read them:
// the stream has ended and every byte of it was read, or the body is
// closed. Callers hold mu.
func (b *sseBody) release() {
	if b.block == nil {
		return
	}
	ssePool.Put(b.block)
	b.block, b.scratch, b.raw, b.out, b.outPos = nil, nil, nil, nil, 0
}

// cut moves the complete lines of raw to out, filtered.
func (b *sseBody) cut() {
	rest := b.raw
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		line := rest[:i+1]
		rest = rest[i+1:]
		if b.skipBlank {
			b.skipBlank = false
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
		}
		if isUsageChunk(line) {
			b.skipBlank = true
			continue
		}
		b.out = appendWithoutNullUsage(b.out, line)
	}
	b.raw = b.raw[:copy(b.raw, rest)]
}

var (
	dataPrefix   = []byte("data:")
	emptyChoices = []byte(`"choices":[]`)
	usageObject  = []byte(`"usage":{`)
	nullUsage    = []byte(`,"usage":null`)
)

// isUsageChunk recognises the chunk include_usage adds: empty choices and
// a usage object.
func isUsageChunk(line []byte) bool {
	return bytes.HasPrefix(line, dataPrefix) && bytes.Contains(line, emptyChoices) && bytes.Contains(line, usageObject)
}

// appendWithoutNullUsage appends line without the top-level
// ,"usage":null that include_usage adds to every chunk. An unescaped
// quote cannot occur inside a JSON string, so the match is a real key.
func appendWithoutNullUsage(out, line []byte) []byte {
	if !bytes.HasPrefix(line, dataPrefix) {
		return append(out, line...)
	}
	i := bytes.LastIndex(line, nullUsage)
	if i < 0 {
		return append(out, line...)
	}
	if j := i + len(nullUsage); j < len(line) && (line[j] == '}' || line[j] == ',') {
		out = append(out, line[:i]...)
		return append(out, line[j:]...)
	}
	return append(out, line...)
}

func (b *sseBody) Close() error {
	err := b.rc.Close()
	// go-openai closes a stream after [DONE] without reading to EOF, so
	// this is where the buffers usually go back. A Read still under way
	// (Close may abort one from another goroutine) keeps them: the
	// collector takes them then.
	// A Read after Close then goes straight to the closed body and gets
	// its error, as it would have without us.
	if b.mu.TryLock() {
		b.release()
		b.filter = false
		b.mu.Unlock()
	}
	b.sc.finish(false, nil)
	runtime.SetFinalizer(b, nil)
	return err
}

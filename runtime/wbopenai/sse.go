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
//
// The filter works in place, in one buffer: upstream bytes are read into
// its free end, and each complete line is moved down over what was
// removed before it, which for most lines moves nothing.
type sseBody struct {
	rc io.ReadCloser
	sc *streamCall

	filter bool
	// buf[pos:ready] is filtered and not yet read by the user;
	// buf[ready:] is the start of a line still incomplete.
	buf        []byte
	pos, ready int
	skipBlank  bool
	upErr      error
	block      *[]byte // from ssePool, backing buf until a line outgrows it

	// mu is held by Read while it uses the buffer, so that Close can
	// return it to the pool only when no Read is under way.
	mu sync.Mutex
}

// sseBuf is the size of an sseBody's buffer, which grows only for a line
// longer than half of it.
const sseBuf = 8192

// ssePool recycles the buffers of finished streams: fresh, each would be
// memory for the caller to zero on every stream.
var ssePool = sync.Pool{New: func() interface{} {
	b := make([]byte, sseBuf)
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
	for b.pos == b.ready {
		if b.upErr != nil {
			if len(b.buf) > b.ready {
				// An unterminated last line passes through as it came.
				b.ready = len(b.buf)
				break
			}
			b.sc.record(nil, b.upErr)
			b.release()
			return 0, b.upErr
		}
		b.fill()
	}
	n := copy(p, b.buf[b.pos:b.ready])
	b.pos += n
	return n, nil
}

// fill reads once from upstream into the buffer's free end, records what
// came and filters the lines it completed.
func (b *sseBody) fill() {
	if b.block == nil {
		b.block = ssePool.Get().(*[]byte)
		b.buf = (*b.block)[:0]
	}
	// Everything before ready was read: keep only the incomplete line.
	if b.ready > 0 {
		b.buf = b.buf[:copy(b.buf, b.buf[b.ready:])]
		b.pos, b.ready = 0, 0
	}
	if free := cap(b.buf) - len(b.buf); free < cap(b.buf)/2 {
		grown := make([]byte, len(b.buf), 2*cap(b.buf))
		copy(grown, b.buf)
		b.buf = grown
	}
	at := len(b.buf)
	n, err := b.rc.Read(b.buf[at:cap(b.buf)])
	b.buf = b.buf[:at+n]
	b.sc.record(b.buf[at:], nil)
	b.cut()
	b.upErr = err
}

// release returns the buffer to the pool once nothing will read it: the
// stream has ended and every byte of it was read, or the body is closed.
// Callers hold mu.
func (b *sseBody) release() {
	if b.block == nil {
		return
	}
	ssePool.Put(b.block)
	b.block, b.buf, b.pos, b.ready = nil, nil, 0, 0
}

// cut filters the complete lines after ready, moving each down to where
// the filtered output ends, and the incomplete line after them.
func (b *sseBody) cut() {
	w, r := b.ready, b.ready
	for {
		i := bytes.IndexByte(b.buf[r:], '\n')
		if i < 0 {
			break
		}
		line := b.buf[r : r+i+1]
		at := r
		r += i + 1
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
		cut, end := nullUsageAt(line)
		if w != at {
			copy(b.buf[w:], line[:cut])
		}
		w += cut
		if end > cut {
			w += copy(b.buf[w:], line[end:])
		}
	}
	if w != r {
		b.buf = b.buf[:w+copy(b.buf[w:], b.buf[r:])]
	}
	b.ready = w
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

// nullUsageAt finds in line the top-level ,"usage":null that
// include_usage adds to every chunk: line[:cut] and line[end:] are the
// line without it (cut == end when it is not there). An unescaped quote
// cannot occur inside a JSON string, so the match is a real key.
func nullUsageAt(line []byte) (cut, end int) {
	if !bytes.HasPrefix(line, dataPrefix) {
		return len(line), len(line)
	}
	// OpenAI writes the field last: look just before the closing brace
	// first, and search the whole line only when it is not there.
	t := len(line)
	for t > 0 && (line[t-1] == '\n' || line[t-1] == '\r' || line[t-1] == ' ') {
		t--
	}
	i := -1
	if t > len(nullUsage) && line[t-1] == '}' && bytes.Equal(line[t-1-len(nullUsage):t-1], nullUsage) {
		i = t - 1 - len(nullUsage)
	} else if i = bytes.Index(line, nullUsage); i >= 0 {
		// Index is vectorized, LastIndex is not: most lines without the
		// field are ruled out by the first.
		i += bytes.LastIndex(line[i:], nullUsage)
	}
	if i < 0 {
		return len(line), len(line)
	}
	if j := i + len(nullUsage); j < len(line) && (line[j] == '}' || line[j] == ',') {
		return i, j
	}
	return len(line), len(line)
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

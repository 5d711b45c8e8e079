package wbopenai

import "sync"

// captureLimit bounds how much of one response body is kept in memory.
// Usage comes at the end of a body, so past the limit a tail is kept too.
const (
	captureLimit = 8 << 20
	tailSize     = 16 << 10
)

// capture keeps a copy of a body as it is read: the head up to
// captureLimit, then a rolling tail of the last tailSize bytes.
type capture struct {
	head   []byte
	tail   []byte // ring, valid when total > captureLimit
	tpos   int
	total  int64
	pooled bool // from capturePool, and so returned to it
}

// exactCapture is the largest body of known size whose capture is a
// buffer of exactly its size, allocated with the call: below it, that
// costs the caller less than taking a buffer from capturePool, which the
// logging goroutine fills on another processor.
const exactCapture = 16 << 10

// captureStart is the first buffer of a capture when the body's size is
// unknown: most API answers are a few hundred bytes, and every fresh byte
// costs the caller a page fault.
const captureStart = 1024

var capturePool = sync.Pool{New: func() interface{} { return &capture{head: make([]byte, 0, captureStart), pooled: true} }}

// newCapture returns a capture for a body of size bytes (-1 when not
// known), sized once so that the copy never regrows on the caller's path.
func newCapture(size int64) *capture {
	c := capturePool.Get().(*capture)
	c.head, c.tail, c.tpos, c.total = c.head[:0], c.tail[:0], 0, 0
	if size > int64(cap(c.head)) && size <= captureLimit {
		c.head = make([]byte, 0, size)
	}
	return c
}

// release returns c to the pool unless it grew large.
func (c *capture) release() {
	if c == nil || !c.pooled || cap(c.head) > 1<<20 {
		return
	}
	capturePool.Put(c)
}

func (c *capture) write(p []byte) {
	c.total += int64(len(p))
	if room := captureLimit - len(c.head); room > 0 {
		if len(p) <= room {
			c.head = append(c.head, p...)
			return
		}
		c.head = append(c.head, p[:room]...)
		p = p[room:]
	}
	if c.tail == nil || cap(c.tail) < tailSize {
		c.tail = make([]byte, 0, tailSize)
	}
	for len(p) > 0 {
		if len(c.tail) < tailSize {
			n := tailSize - len(c.tail)
			if n > len(p) {
				n = len(p)
			}
			c.tail = append(c.tail, p[:n]...)
			p = p[n:]
			continue
		}
		n := copy(c.tail[c.tpos:], p)
		c.tpos = (c.tpos + n) % tailSize
		p = p[n:]
	}
}

// truncated tells whether bytes were lost between head and tail.
func (c *capture) truncated() bool { return c.total > int64(len(c.head)+len(c.tail)) }

// tailBytes returns the kept tail in order.
func (c *capture) tailBytes() []byte {
	if len(c.tail) < tailSize {
		return c.tail
	}
	out := make([]byte, 0, tailSize)
	out = append(out, c.tail[c.tpos:]...)
	return append(out, c.tail[:c.tpos]...)
}

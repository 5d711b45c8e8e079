package view

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// passBatch is a run of record payloads copied back to back into one
// buffer. Buffers are recycled, so a pass over a 200 MB log touches a few
// megabytes of fresh memory rather than 200 (fresh pages and their
// collection cost more than the decoding).
type passBatch struct {
	buf  []byte
	ends []int   // end of each payload in buf
	offs []int64 // record offsets
	res  interface{}
}

const (
	passBatchRecords = 256
	passBatchBytes   = 1 << 20
)

// logPass reads the .wandb log at path from its start. The framing (and
// its checksums) is read on this goroutine; each of a worker per core
// gets its own work function from newWorker (so it can keep buffers) and
// runs it for each record payload of its batches, with the record's
// offset; the payload is only valid during the call. It returns the
// results of work in log order, in batches, and the
// reader's error: a *wandb.CorruptError for a torn or damaged tail (the
// results before it are complete), another error when the log cannot be
// read at all.
func logPass[R any](path string, newWorker func() func(off int64, payload []byte) R) ([][]R, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd, err := wandb.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}

	workers := runtime.GOMAXPROCS(0)
	free := make(chan *passBatch, 2*workers+2)
	for i := 0; i < cap(free); i++ {
		free <- &passBatch{}
	}
	jobs := make(chan *passBatch, cap(free))
	var parts []*[]R // per batch, in log order; only this goroutine appends
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		work := newWorker()
		go func() {
			defer wg.Done()
			for b := range jobs {
				out := b.res.(*[]R)
				start := 0
				for k, end := range b.ends {
					*out = append(*out, work(b.offs[k], b.buf[start:end:end]))
					start = end
				}
				free <- b
			}
		}()
	}

	var b *passBatch
	send := func() {
		jobs <- b
		b = nil
	}
	for {
		p, off, rerr := rd.NextPayload()
		if rerr != nil {
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
		if b == nil {
			b = <-free
			b.buf, b.ends, b.offs = b.buf[:0], b.ends[:0], b.offs[:0]
			out := make([]R, 0, passBatchRecords)
			parts = append(parts, &out)
			b.res = &out
		}
		b.buf = append(b.buf, p...)
		b.ends = append(b.ends, len(b.buf))
		b.offs = append(b.offs, off)
		if len(b.ends) == passBatchRecords || len(b.buf) >= passBatchBytes {
			send()
		}
	}
	if b != nil {
		send()
	}
	close(jobs)
	wg.Wait()

	results := make([][]R, len(parts))
	for i, p := range parts {
		results[i] = *p
	}
	return results, err
}

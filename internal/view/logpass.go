package view

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
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
	done chan struct{} // the workers are done with the batch
}

const (
	passBatchRecords = 256
	passBatchBytes   = 1 << 20
)

// ReadProgress, when set, hears how far a read of a run's log has come
// (bytes read of the log's size), about once a second while it lasts.
var ReadProgress func(read, size int64)

// logPass reads the .wandb log at path from byte from: 0 for its start
// (the file header is checked), or a record's offset, as the end of an
// earlier pass is, to read only what was appended since. The framing (and
// its checksums) is read on this goroutine; each of a worker per core
// gets its own work function from newWorker (so it can keep buffers) and
// runs it for each record payload of its batches, with the record's
// offset; the payload is only valid during the call. fold, when not nil,
// is given the results of work one by one in log order, on one goroutine,
// as their batch is done; the result is only valid during the call. A
// batch's buffers are reused once folded, so a pass holds a few batches
// whatever the log's size: a million-call log is not a million results
// in memory at once (it was, and a million-call view peaked at 925 MiB).
// It returns end, the offset just after the last record read intact
// (where a later pass continues), and the reader's error: a
// *wandbfile.CorruptError for a torn or damaged tail (the results before it
// are complete), another error when the log cannot be read at all.
func logPass[R any](path string, from int64, newWorker func() func(off int64, payload []byte) R, fold func(*R)) (end int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var rd *wandbfile.Reader
	if from == 0 {
		if rd, err = wandbfile.NewReader(f); err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
	} else {
		rd = wandbfile.NewReaderAt(f, from)
	}

	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	progress := ReadProgress
	lastReport, nrec := time.Now(), 0

	workers := runtime.GOMAXPROCS(0)
	free := make(chan *passBatch, 2*workers+2)
	for i := 0; i < cap(free); i++ {
		free <- &passBatch{done: make(chan struct{}, 1)}
	}
	jobs := make(chan *passBatch, cap(free))
	order := make(chan *passBatch, cap(free)) // batches in log order, for the folder
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
				b.done <- struct{}{}
			}
		}()
	}
	folded := make(chan struct{})
	go func() {
		defer close(folded)
		for b := range order {
			<-b.done
			out := b.res.(*[]R)
			if fold != nil {
				for k := range *out {
					fold(&(*out)[k])
				}
			}
			var zero R
			for k := range *out {
				(*out)[k] = zero // let go of what the results point to
			}
			*out = (*out)[:0]
			free <- b
		}
	}()

	var b *passBatch
	send := func() {
		order <- b
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
		if nrec++; progress != nil && nrec%4096 == 0 && time.Since(lastReport) >= time.Second {
			progress(off, size)
			lastReport = time.Now()
		}
		if b == nil {
			b = <-free
			b.buf, b.ends, b.offs = b.buf[:0], b.ends[:0], b.offs[:0]
			if b.res == nil {
				out := make([]R, 0, passBatchRecords)
				b.res = &out
			}
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
	close(order)
	wg.Wait()
	<-folded
	return rd.Offset(), err
}

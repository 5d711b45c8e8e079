package online

// The run log as the online sender's spool: records the inbox had no
// room for are read back from the log, in order, as soon as the upload
// has room for them, instead of all at Finish.

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// spoolReader reads a run log that the writer may still be appending to.
// The end of the file is where the writer's last flush left it, so
// running out of records there (io.EOF, or a torn record the writer has
// not finished handing to the OS) only means "not yet": the next call
// reads on from the last complete record.
type spoolReader struct {
	path   string
	f      *os.File
	rd     *wandbfile.Reader
	off    int64 // just after the last complete record read
	broken error // the log cannot be read on: a damaged record, an I/O error
}

// next returns the next complete record, or nil when there is none yet.
func (s *spoolReader) next() *wandbfile.Record {
	if s.broken != nil {
		return nil
	}
	if s.f == nil {
		f, err := os.Open(s.path)
		if err != nil {
			s.broken = err
			return nil
		}
		s.f = f
		s.off = wandbfile.HeaderSize // the writer wrote the header before any record
	}
	fresh := s.rd == nil
	if fresh {
		s.rd = wandbfile.NewReaderAt(s.f, s.off)
	}
	rec, err := s.rd.Next()
	if err == nil {
		s.off = s.rd.Offset()
		return rec
	}
	s.rd = nil // errors are sticky; read again from s.off
	if !fresh {
		// A reader that met the end of the file before holds that EOF
		// (bufio keeps it) even if the file has grown since: only a
		// fresh one tells.
		return s.next()
	}
	var ce *wandbfile.CorruptError
	if err != io.EOF && !(errors.As(err, &ce) && ce.Torn) {
		s.broken = err
	}
	return nil
}

func (s *spoolReader) close() {
	if s.f != nil {
		s.f.Close()
		s.f, s.rd = nil, nil
	}
}

// advance feeds the uploader the records after fedNum, strictly in num
// order: from memory when the inbox kept them, from the spool otherwise.
// While the run is live (final false) it stops when the uploader holds
// maxPending bytes, or when the next record is neither in memory nor in
// the log yet (the writer flushes within about a second); the loop then
// uploads and calls again. At Finish (final true) the log is complete:
// it goes to the last record, uploading each full batch on the way, and
// a record the log lacks too (its disk write failed) is skipped and
// reported, so the run is not marked synced.
func (o *Sender) advance(final bool) error {
	in, last := o.take()
	held := append(o.held, in...)
	released, i := 0, 0
	var missing int64
	defer func() {
		// Let the fed records go: copy what still waits.
		o.held = append([]rawRecord(nil), held[i:]...)
		o.release(released)
	}()
	for {
		if final {
			if o.u.pendingRows() >= batchLines || o.u.pendingBytes() >= batchBytes {
				if err := o.u.flush(o.ctx, nil); err != nil {
					return err
				}
			}
		} else if o.u.pendingBytes() >= o.tune.maxPending {
			return nil
		}
		for i < len(held) && held[i].num <= o.fedNum {
			released += len(held[i].payload)
			i++
		}
		if i < len(held) && held[i].num == o.fedNum+1 {
			o.feedRaw(held[i])
			released += len(held[i].payload)
			i++
			continue
		}
		// The next record was not kept. Read it back, if the writer
		// handed it over at all.
		upTo := last
		if i < len(held) {
			upTo = held[i].num - 1
		}
		if o.fedNum >= upTo {
			break
		}
		if rec := o.spool.next(); rec != nil {
			if rec.Num > o.fedNum {
				o.u.add(rec)
				o.fedNum = rec.Num
			}
			continue
		}
		if !final {
			return nil // not in the log yet
		}
		if i < len(held) {
			missing += held[i].num - 1 - o.fedNum
			o.fedNum = held[i].num - 1
			continue
		}
		missing += upTo - o.fedNum
		o.fedNum = upTo
	}
	if missing > 0 {
		why := "the log ends before them"
		if o.spool.broken != nil {
			why = o.spool.broken.Error()
		}
		return fmt.Errorf("%d record(s) were neither kept in memory nor readable from the run log (%s)", missing, why)
	}
	return nil
}

// feedRaw decodes a kept record into the uploader.
func (o *Sender) feedRaw(r rawRecord) {
	o.fedNum = r.num
	if rec, err := wandbfile.DecodeRecord(r.payload); err == nil { // cannot fail for records the writer encoded
		o.u.add(rec)
	}
}

// drop discards everything kept, after a final API error: nothing more
// is sent, and the log has it all for sync.
func (o *Sender) drop() {
	in, _ := o.take()
	n := 0
	for _, r := range in {
		n += len(r.payload)
	}
	for _, r := range o.held {
		n += len(r.payload)
	}
	o.held = nil
	o.release(n)
}

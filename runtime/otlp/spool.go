package otlp

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/internal/protowire"
)

// A spool file holds spans not sent yet: each a uvarint length and the
// fields of one Span message. `wbinstrument sync` sends them with
// SendSpool, which records in "<spool>.sent" the byte offset up to which
// the receiver has acknowledged them, so every span is sent once even
// when a sync is interrupted and run again.

// AppendSpool appends spans to the spool file, creating it (and its
// directory) readable by the owner only: spans may hold message content.
func AppendSpool(path string, spans [][]byte) error {
	if len(spans) == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	// One buffer for the whole batch, up to 1 MiB: bufio's default 4 KiB
	// made a write call every few spans (about 900 for 4,000 calls).
	size := 0
	for _, s := range spans {
		size += binary.MaxVarintLen64 + len(s)
	}
	if size > 1<<20 {
		size = 1 << 20
	}
	w := bufio.NewWriterSize(f, size)
	var l [binary.MaxVarintLen64]byte
	for _, s := range spans {
		n := binary.PutUvarint(l[:], uint64(len(s)))
		w.Write(l[:n])
		w.Write(s)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// SentOffset is how much of the spool file at path has been sent.
func SentOffset(path string) int64 {
	b, err := os.ReadFile(path + ".sent")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func writeSentOffset(path string, off int64) error {
	tmp := path + ".sent.tmp"
	if err := os.WriteFile(tmp, []byte(strconv.FormatInt(off, 10)+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path+".sent")
}

// Pending tells whether the spool file at path holds spans not sent yet.
func Pending(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Size() > SentOffset(path)
}

// ReadSpool returns the spans of the spool file from byte offset off on,
// with the offset after each span. A torn last span (a crash while it was
// appended) ends the list.
func ReadSpool(path string, off int64) (spans [][]byte, ends []int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, nil, err
	}
	r := bufio.NewReader(f)
	pos := off
	for {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return spans, ends, nil
		}
		if n > 64<<20 {
			return spans, ends, fmt.Errorf("%s: span of %d bytes at offset %d: the spool is damaged", path, n, pos)
		}
		s := make([]byte, n)
		if _, err := io.ReadFull(r, s); err != nil {
			return spans, ends, nil
		}
		pos += int64(protowire.VarintLen(n)) + int64(n)
		spans = append(spans, s)
		ends = append(ends, pos)
	}
}

// SpoolResult says what SendSpool did.
type SpoolResult struct {
	Sent    int // spans sent now
	Already int // spans a previous send had delivered
}

// SendSpool sends the spans of the spool file at path that were not sent
// yet to t, in batches of batch spans, recording after each acknowledged
// batch how far it got. Retryable failures are retried until ctx ends.
func SendSpool(ctx context.Context, path string, t *Target, batch int, timeout time.Duration, r Retry) (SpoolResult, error) {
	var res SpoolResult
	off := SentOffset(path)
	spans, ends, err := ReadSpool(path, off)
	if err != nil && len(spans) == 0 {
		return res, err
	}
	if off > 0 {
		all, _, _ := ReadSpool(path, 0)
		res.Already = len(all) - len(spans)
	}
	if batch <= 0 {
		batch = 512
	}
	for i := 0; i < len(spans); i += batch {
		j := i + batch
		if j > len(spans) {
			j = len(spans)
		}
		if err := Send(ctx, t, Request(&t.Resource, spans[i:j]), timeout, r, nil); err != nil {
			return res, fmt.Errorf("sending spans of %s: %w; %d of %d sent, run sync again to send the rest", path, err, res.Sent, len(spans))
		}
		if err := writeSentOffset(path, ends[j-1]); err != nil {
			return res, fmt.Errorf("recording sent spans of %s: %w", path, err)
		}
		res.Sent += j - i
	}
	return res, err
}

// CountSpool counts the spans of the spool file at path, and those of
// them already sent, without reading their bytes into memory.
func CountSpool(path string) (total, sent int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sentOff := SentOffset(path)
	r := bufio.NewReader(f)
	var pos int64
	for {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return total, sent, nil
		}
		d, err := r.Discard(int(n))
		if err != nil || d != int(n) {
			return total, sent, nil // a torn last span
		}
		pos += int64(protowire.VarintLen(n)) + int64(n)
		total++
		if pos <= sentOff {
			sent++
		}
	}
}

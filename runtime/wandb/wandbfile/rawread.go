package wandbfile

// Reading without decoding everything: a viewer that indexes a log of
// 100k history rows needs a few values of each row and would otherwise
// spend most of its time copying every value (Next copies all of them) and
// collecting the garbage. These functions leave the copying to the caller.

import (
	"bufio"
	"io"
	"math"

	"github.com/wbinstrument/wbinstrument/runtime/internal/protowire"
)

// NextPayload returns the next record's protobuf payload, undecoded, and
// the byte offset of its first chunk (what Record.Offset would be). The
// payload is only valid until the next call. Errors are those of Next for
// the framing (io.EOF, *CorruptError); a payload that does not decode is
// not noticed here but by DecodeRecord or ScanHistory, and Offset counts
// the record as read.
func (r *Reader) NextPayload() (payload []byte, offset int64, err error) {
	p, start, err := r.nextPayload()
	if err != nil {
		return nil, 0, err
	}
	r.good = r.off
	return p, start, nil
}

// NewReaderAt returns a Reader positioned at byte off of a .wandb log,
// which must be a record's offset as Next or NextPayload reported it, so
// a record found earlier can be read again without reading the log from
// its start. The file header is not checked.
func NewReaderAt(r io.ReaderAt, off int64) *Reader {
	// Records are usually far smaller than a block; a small buffer keeps
	// re-reading one record cheap.
	br := bufio.NewReaderSize(io.NewSectionReader(r, off, math.MaxInt64-off), 8<<10)
	return &Reader{r: br, off: off, good: off}
}

// DecodeRecord decodes a payload returned by NextPayload, as Next would
// (Offset is left zero). The result does not alias payload.
func DecodeRecord(payload []byte) (*Record, error) {
	return decodeRecord(payload)
}

// ScanHistory reads a payload returned by NextPayload without copying it.
// When the record is a history record it calls fn for each item in order
// with the item's key (as Item.FullKey) and value_json, and returns
// isHistory true and the step. Both slices alias payload or a scratch
// buffer and are only valid during the call. Other record types are not
// decoded (isHistory false, no error): use DecodeRecord for those. err
// reports a history record that DecodeRecord would also reject.
func ScanHistory(payload []byte, fn func(key, valueJSON []byte)) (isHistory bool, step int64, err error) {
	d := decoder{b: payload}
	d.fields(func(field, wire int) bool {
		switch field {
		case recordNum:
			d.int64v(field, wire)
		case TypeHistory:
			if !d.want(field, wire, protowire.Bytes) {
				return true
			}
			isHistory = true
			// Sub-decoders on the stack: d.sub's would cost an
			// allocation a record.
			h := decoder{b: d.bytes()}
			if d.err != nil {
				return true
			}
			step = scanHistoryFields(&h, fn)
			if h.err != nil {
				d.fail(h.err)
			}
		default:
			// decodeRecord checks the wire type of the other known
			// record types; only history records are checked here.
			return false
		}
		return true
	})
	if d.err != nil {
		return false, 0, d.err
	}
	return isHistory, step, nil
}

func scanHistoryFields(d *decoder, fn func(key, valueJSON []byte)) (step int64) {
	var scratch []byte
	d.fields(func(field, wire int) bool {
		if field != historyItem && field != historyStep {
			return false
		}
		if !d.want(field, wire, protowire.Bytes) {
			return true
		}
		s := decoder{b: d.bytes()}
		if d.err != nil {
			return true
		}
		if field == historyItem {
			scratch = scanItem(&s, scratch, fn)
		} else if v, set := s.varintField(stepNum); set {
			step = int64(v)
		}
		if s.err != nil {
			d.fail(s.err)
		}
		return true
	})
	return step
}

// scanItem reads one HistoryItem and hands it to fn. Nested keys are
// joined into scratch, which it returns for reuse.
func scanItem(d *decoder, scratch []byte, fn func(key, valueJSON []byte)) []byte {
	var key, value []byte
	nested := 0
	scratch = scratch[:0]
	d.fields(func(field, wire int) bool {
		if field != itemKey && field != itemNestedKey && field != itemValueJSON {
			return false
		}
		if !d.want(field, wire, protowire.Bytes) {
			return true
		}
		switch field {
		case itemKey:
			key = d.bytes()
		case itemNestedKey:
			if nested > 0 {
				scratch = append(scratch, '.')
			}
			scratch = append(scratch, d.bytes()...)
			nested++
		case itemValueJSON:
			value = d.bytes()
		}
		return true
	})
	if d.err != nil {
		return scratch
	}
	if len(key) == 0 {
		key = scratch
	}
	fn(key, value)
	return scratch
}

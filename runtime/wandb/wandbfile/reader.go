package wandbfile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// CorruptError reports the first unreadable record of a .wandb log: a torn
// tail (the file ends inside a record, as after a power loss) or damaged
// bytes. Every record before Offset was read intact.
type CorruptError struct {
	// Offset is the byte offset of the start of the unreadable record,
	// i.e. where the readable part of the file ends.
	Offset int64
	// Torn is true when the file simply ends inside a record, false when
	// bytes are damaged (bad checksum, impossible chunk, bad protobuf).
	Torn   bool
	Reason string
}

func (e *CorruptError) Error() string {
	if e.Torn {
		return fmt.Sprintf("wandb: .wandb log torn at byte %d: %s", e.Offset, e.Reason)
	}
	return fmt.Sprintf("wandb: .wandb log corrupt at byte %d: %s", e.Offset, e.Reason)
}

// Reader reads records from a .wandb transaction log.
type Reader struct {
	r       *bufio.Reader
	off     int64 // bytes consumed so far
	good    int64 // offset just after the last complete record
	payload []byte
	err     error // sticky: io.EOF, *CorruptError or an I/O error
}

// NewReader checks the 7-byte file header and returns a Reader positioned
// at the first record.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, blockSize)
	var h [HeaderSize]byte
	n, err := io.ReadFull(br, h[:])
	switch {
	case err == io.EOF:
		return nil, errors.New("wandb: empty file, not a .wandb log")
	case err == io.ErrUnexpectedEOF:
		return nil, &CorruptError{Offset: 0, Torn: true, Reason: fmt.Sprintf("file is %d bytes, shorter than the 7-byte header", n)}
	case err != nil:
		return nil, fmt.Errorf("wandb: reading .wandb header: %w", err)
	}
	if !bytes.Equal(h[:6], fileHeader[:6]) {
		return nil, fmt.Errorf("wandb: not a .wandb log: header % x, want % x", h[:6], fileHeader[:6])
	}
	if h[6] != fileHeader[6] {
		return nil, fmt.Errorf("wandb: unsupported .wandb log version %d", h[6])
	}
	return &Reader{r: br, off: HeaderSize, good: HeaderSize}, nil
}

// Offset is the byte offset just after the last complete record read, the
// size of the readable prefix of the file so far.
func (r *Reader) Offset() int64 { return r.good }

// Next returns the next record. At a clean end of the log it returns
// io.EOF; at a torn or damaged record a *CorruptError, after which it keeps
// returning the same error.
func (r *Reader) Next() (*Record, error) {
	p, start, err := r.nextPayload()
	if err != nil {
		return nil, err
	}
	rec, err := decodeRecord(p)
	if err != nil {
		r.err = &CorruptError{Offset: start, Reason: "record payload: " + err.Error()}
		return nil, r.err
	}
	rec.Offset = start
	r.good = r.off
	return rec, nil
}

// nextPayload reassembles the chunks of one record. The payload is valid
// until the next call.
func (r *Reader) nextPayload() (payload []byte, start int64, err error) {
	if r.err != nil {
		return nil, 0, r.err
	}
	r.payload = r.payload[:0]
	start = -1
	inRecord := false
	fail := func(torn bool, format string, args ...interface{}) ([]byte, int64, error) {
		off := start
		if off < 0 {
			off = r.off
		}
		r.err = &CorruptError{Offset: off, Torn: torn, Reason: fmt.Sprintf(format, args...)}
		return nil, 0, r.err
	}
	for {
		left := blockSize - int(r.off%blockSize)
		if left < chunkHeaderSize {
			var pad [chunkHeaderSize]byte
			n, err := io.ReadFull(r.r, pad[:left])
			r.off += int64(n)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				if inRecord {
					return fail(true, "file ends in the padding of block %d", r.off/blockSize)
				}
				// The writer pads lazily, before the next chunk; a
				// file ending here ended at a record boundary.
				r.err = io.EOF
				return nil, 0, r.err
			}
			if err != nil {
				r.err = fmt.Errorf("wandb: reading .wandb log at byte %d: %w", r.off, err)
				return nil, 0, r.err
			}
			for _, c := range pad[:left] {
				if c != 0 {
					return fail(false, "non-zero padding at the end of block %d", r.off/blockSize)
				}
			}
			continue
		}
		chunkOff := r.off
		if start < 0 {
			start = chunkOff
		}
		var h [chunkHeaderSize]byte
		n, err := io.ReadFull(r.r, h[:])
		r.off += int64(n)
		if err == io.EOF && !inRecord {
			r.err = io.EOF
			return nil, 0, r.err
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fail(true, "file ends inside the chunk header at byte %d", chunkOff)
		}
		if err != nil {
			r.err = fmt.Errorf("wandb: reading .wandb log at byte %d: %w", r.off, err)
			return nil, 0, r.err
		}
		crc := binary.LittleEndian.Uint32(h[0:4])
		length := int(binary.LittleEndian.Uint16(h[4:6]))
		typ := h[6]
		if length > left-chunkHeaderSize {
			return fail(false, "chunk at byte %d claims %d bytes, more than its block holds", chunkOff, length)
		}
		old := len(r.payload)
		if cap(r.payload)-old < length {
			grown := make([]byte, old, 2*cap(r.payload)+length)
			copy(grown, r.payload)
			r.payload = grown
		}
		r.payload = r.payload[:old+length]
		n, err = io.ReadFull(r.r, r.payload[old:])
		r.off += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fail(true, "file ends inside the chunk at byte %d (%d of %d bytes)", chunkOff, n, length)
		}
		if err != nil {
			r.err = fmt.Errorf("wandb: reading .wandb log at byte %d: %w", r.off, err)
			return nil, 0, r.err
		}
		if got := chunkCRC(typ, r.payload[old:]); got != crc {
			return fail(false, "checksum mismatch in chunk at byte %d (stored %08x, computed %08x)", chunkOff, crc, got)
		}
		switch typ {
		case chunkFull:
			if inRecord {
				return fail(false, "FULL chunk at byte %d inside a record", chunkOff)
			}
			return r.payload, start, nil
		case chunkFirst:
			if inRecord {
				return fail(false, "FIRST chunk at byte %d inside a record", chunkOff)
			}
			inRecord = true
		case chunkMiddle:
			if !inRecord {
				return fail(false, "MIDDLE chunk at byte %d outside a record", chunkOff)
			}
		case chunkLast:
			if !inRecord {
				return fail(false, "LAST chunk at byte %d outside a record", chunkOff)
			}
			return r.payload, start, nil
		default:
			return fail(false, "unknown chunk type %d at byte %d", typ, chunkOff)
		}
	}
}

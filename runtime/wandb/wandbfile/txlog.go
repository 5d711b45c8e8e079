package wandbfile

// The .wandb transaction log framing: W&B's variant of the LevelDB log
// format. A 7-byte file header, then 32 KiB blocks of chunks; each chunk has
// a 7-byte header (CRC-32 IEEE over type byte and payload, little-endian
// uint16 length, type) and never crosses a block boundary.

import (
	"encoding/binary"
	"hash/crc32"
	"io"
)

// HeaderSize is the length of the file header: the offset of the first
// record of every log.
const HeaderSize = 7

const (
	blockSize       = 32768
	chunkHeaderSize = 7

	chunkFull   = 1
	chunkFirst  = 2
	chunkMiddle = 3
	chunkLast   = 4
)

// fileHeader is ":W&B", magic 0xBEE1 little-endian, version 0.
var fileHeader = [HeaderSize]byte{':', 'W', '&', 'B', 0xE1, 0xBE, 0x00}

// chunkCRC is the chunk checksum: plain CRC-32 IEEE over the type byte and
// the payload, not masked as in LevelDB.
func chunkCRC(typ byte, payload []byte) uint32 {
	c := crc32.Update(0, crc32.IEEETable, []byte{typ})
	return crc32.Update(c, crc32.IEEETable, payload)
}

// LogWriter frames records into an in-memory buffer and hands the buffer
// to the OS only at record boundaries, so a killed program leaves a file
// that ends after a complete record (W&B's reader rejects a torn tail).
// Bytes once handed over are never rewritten.
type LogWriter struct {
	w   io.Writer
	buf []byte // framed bytes not yet written to w
	off int64  // file offset at the end of buf
	err error  // first write error; the log is unusable after it
}

// NewLogWriter starts a log at offset 0 by buffering the file header.
func NewLogWriter(w io.Writer) *LogWriter {
	lw := &LogWriter{w: w, buf: make([]byte, 0, 64<<10)}
	lw.buf = append(lw.buf, fileHeader[:]...)
	lw.off = HeaderSize
	return lw
}

// Add frames one record payload and returns the file offset of its first
// chunk header (after any zero fill of the previous block's tail).
func (lw *LogWriter) Add(payload []byte) int64 {
	var start int64 = -1
	first := true
	for {
		left := blockSize - int(lw.off%blockSize)
		if left < chunkHeaderSize {
			// A chunk header does not fit: zero-fill the block's tail.
			for i := 0; i < left; i++ {
				lw.buf = append(lw.buf, 0)
			}
			lw.off += int64(left)
			left = blockSize
		}
		if start < 0 {
			start = lw.off
		}
		n := left - chunkHeaderSize
		if n > len(payload) {
			n = len(payload)
		}
		last := n == len(payload)
		var typ byte
		switch {
		case first && last:
			typ = chunkFull
		case first:
			typ = chunkFirst
		case last:
			typ = chunkLast
		default:
			typ = chunkMiddle
		}
		var h [chunkHeaderSize]byte
		binary.LittleEndian.PutUint32(h[0:4], chunkCRC(typ, payload[:n]))
		binary.LittleEndian.PutUint16(h[4:6], uint16(n))
		h[6] = typ
		lw.buf = append(lw.buf, h[:]...)
		lw.buf = append(lw.buf, payload[:n]...)
		lw.off += int64(chunkHeaderSize + n)
		payload = payload[n:]
		first = false
		if last {
			return start
		}
	}
}

// Pending is the number of framed bytes not yet handed to the OS.
func (lw *LogWriter) Pending() int { return len(lw.buf) }

// Err is the first write error Flush met; after it the log is unusable
// and Flush keeps returning it.
func (lw *LogWriter) Err() error { return lw.err }

// Flush hands every buffered (whole) record to the OS. After a failed
// write the writer keeps failing: the file may end in a torn record, and
// appending after it would put a corrupt record in the middle.
func (lw *LogWriter) Flush() error {
	if lw.err != nil {
		return lw.err
	}
	if len(lw.buf) == 0 {
		return nil
	}
	_, err := lw.w.Write(lw.buf)
	lw.buf = lw.buf[:0]
	if err != nil {
		lw.err = err
	}
	return err
}

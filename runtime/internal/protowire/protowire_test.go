package protowire

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestEndMessageLengths: a body whose length needs more than the one
// reserved byte is moved, whole, behind its longer length.
func TestEndMessageLengths(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 16383, 16384, 1 << 21} {
		body := make([]byte, n)
		for i := range body {
			body[i] = byte(i % 251)
		}
		b, start := BeginMessage([]byte{0xAA}, 3)
		b = append(b, body...)
		b = EndMessage(b, start)
		l, k := binary.Uvarint(b[2:])
		if b[0] != 0xAA || b[1] != 3<<3|Bytes || int(l) != n || len(b) != 2+k+n || k != VarintLen(uint64(n)) {
			t.Errorf("n=%d: length %d in %d bytes, total %d", n, l, k, len(b))
		}
		if !bytes.Equal(b[2+k:], body) {
			t.Errorf("n=%d: body changed", n)
		}
	}
}

// TestAppend pins a few fields' bytes (protobuf's encoding guide).
func TestAppend(t *testing.T) {
	var b []byte
	b = AppendTag(b, 1, Varint)
	b = AppendVarint(b, 150)
	b = AppendString(b, 2, "testing")
	b = AppendBytes(b, 3, nil)
	b = AppendFixed64(b, 4, 1)
	want := []byte{0x08, 0x96, 0x01, 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g', 0x1a, 0x00, 0x21, 1, 0, 0, 0, 0, 0, 0, 0}
	if !bytes.Equal(b, want) {
		t.Errorf("got % x, want % x", b, want)
	}
}

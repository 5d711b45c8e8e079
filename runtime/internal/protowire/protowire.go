// Package protowire is the protobuf wire encoding the runtime writes by
// hand, since it may depend on the standard library only: the .wandb
// records of package wandbfile and the OTLP spans of package otlp. It
// appends to a caller's slice so a writer can reuse one buffer, and
// writes embedded messages in place, without temporary buffers.
//
// It writes what it is given; which fields to leave out (proto3 leaves
// out zero scalars) is each message's encoder's choice.
package protowire

import "encoding/binary"

// Wire types.
const (
	Varint  = 0
	Fixed64 = 1
	Bytes   = 2
	Fixed32 = 5
)

// AppendVarint appends v as a base-128 varint.
func AppendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// VarintLen is the length of v as a varint.
func VarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// AppendTag appends a field's tag: its number and wire type.
func AppendTag(b []byte, field, wire int) []byte {
	return AppendVarint(b, uint64(field)<<3|uint64(wire))
}

// AppendString appends a length-delimited field holding s, even empty.
func AppendString(b []byte, field int, s string) []byte {
	b = AppendVarint(AppendTag(b, field, Bytes), uint64(len(s)))
	return append(b, s...)
}

// AppendBytes appends a length-delimited field holding p, even empty.
func AppendBytes(b []byte, field int, p []byte) []byte {
	b = AppendVarint(AppendTag(b, field, Bytes), uint64(len(p)))
	return append(b, p...)
}

// AppendFixed64 appends a fixed64 (or double, as its bits) field.
func AppendFixed64(b []byte, field int, v uint64) []byte {
	// binary.LittleEndian.AppendUint64 is Go 1.19; the runtime targets 1.18.
	var le [8]byte
	binary.LittleEndian.PutUint64(le[:], v)
	return append(AppendTag(b, field, Fixed64), le[:]...)
}

// BeginMessage starts an embedded message field and returns where its
// body starts; EndMessage writes the length in front of the body. One
// length byte is reserved and the body moved when its length needs more,
// so nested messages cost no temporary buffers.
func BeginMessage(b []byte, field int) ([]byte, int) {
	b = append(AppendTag(b, field, Bytes), 0)
	return b, len(b)
}

// EndMessage ends the embedded message BeginMessage started at start.
func EndMessage(b []byte, start int) []byte {
	n := len(b) - start
	if n < 0x80 {
		b[start-1] = byte(n)
		return b
	}
	extra := VarintLen(uint64(n)) - 1
	for i := 0; i < extra; i++ {
		b = append(b, 0)
	}
	copy(b[start+extra:], b[start:start+n])
	AppendVarint(b[start-1:start-1], uint64(n))
	return b
}

package otlp

import (
	"encoding/binary"
	"math"
)

// Protobuf wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
)

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendTag(b []byte, field, wire int) []byte {
	return appendVarint(b, uint64(field)<<3|uint64(wire))
}

func appendBytesField(b []byte, field int, v []byte) []byte {
	b = appendTag(b, field, wireBytes)
	b = appendVarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendStringField(b []byte, field int, v string) []byte {
	b = appendTag(b, field, wireBytes)
	b = appendVarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendFixed64Field(b []byte, field int, v uint64) []byte {
	b = appendTag(b, field, wireFixed64)
	var x [8]byte // not AppendUint64: the runtime module builds with Go 1.18
	binary.LittleEndian.PutUint64(x[:], v)
	return append(b, x[:]...)
}

// beginMessage starts an embedded message field whose length is not known
// yet: it reserves room for a length varint, which endMessage fills in
// (moving the body when the length needs more or fewer bytes).
func beginMessage(b []byte, field int) ([]byte, int) {
	b = appendTag(b, field, wireBytes)
	return append(b, 0), len(b) + 1
}

func endMessage(b []byte, start int) []byte {
	n := len(b) - start
	if n < 0x80 {
		b[start-1] = byte(n)
		return b
	}
	var l [binary.MaxVarintLen64]byte
	ln := binary.PutUvarint(l[:], uint64(n))
	b = append(b, l[:ln-1]...) // room for the longer length
	copy(b[start+ln-1:], b[start:start+n])
	copy(b[start-1:], l[:ln])
	return b
}

// AnyValue kinds, as the oneof in common.proto.
const (
	kindString = iota + 1
	kindBool
	kindInt
	kindDouble
	kindStrings
)

// KeyValue is one attribute: a key and a string, bool, int64, double or
// string-array value.
type KeyValue struct {
	Key  string
	kind uint8
	s    string
	n    int64
	f    float64
	ss   []string
}

// String is a string attribute.
func String(k, v string) KeyValue { return KeyValue{Key: k, kind: kindString, s: v} }

// Bool is a bool attribute.
func Bool(k string, v bool) KeyValue {
	kv := KeyValue{Key: k, kind: kindBool}
	if v {
		kv.n = 1
	}
	return kv
}

// Int is an int64 attribute.
func Int(k string, v int64) KeyValue { return KeyValue{Key: k, kind: kindInt, n: v} }

// Float is a double attribute.
func Float(k string, v float64) KeyValue { return KeyValue{Key: k, kind: kindDouble, f: v} }

// Strings is a string-array attribute.
func Strings(k string, v []string) KeyValue { return KeyValue{Key: k, kind: kindStrings, ss: v} }

// Value returns the attribute's value as a Go value (string, bool, int64,
// float64 or []string), for tests and debugging.
func (kv KeyValue) Value() interface{} {
	switch kv.kind {
	case kindString:
		return kv.s
	case kindBool:
		return kv.n != 0
	case kindInt:
		return kv.n
	case kindDouble:
		return kv.f
	case kindStrings:
		return kv.ss
	}
	return nil
}

// AppendStringBytes appends a string attribute whose value is in bytes,
// as AppendKeyValue(b, field, String(key, string(v))) does without
// copying v into a string first.
func AppendStringBytes(b []byte, field int, key string, v []byte) []byte {
	b, kvStart := beginMessage(b, field)
	b = appendStringField(b, fieldKeyValueKey, key)
	b, vStart := beginMessage(b, fieldKeyValueValue)
	b = appendBytesField(b, fieldAnyStringValue, v)
	b = endMessage(b, vStart)
	return endMessage(b, kvStart)
}

// AppendKeyValue appends kv as a KeyValue message in field (attributes
// are field 9 of Span, SpanAttributes, and 1 of Resource).
func AppendKeyValue(b []byte, field int, kv KeyValue) []byte {
	b, kvStart := beginMessage(b, field)
	b = appendStringField(b, fieldKeyValueKey, kv.Key)
	b, vStart := beginMessage(b, fieldKeyValueValue)
	switch kv.kind {
	case kindString:
		b = appendStringField(b, fieldAnyStringValue, kv.s)
	case kindBool:
		b = appendTag(b, fieldAnyBoolValue, wireVarint)
		b = appendVarint(b, uint64(kv.n))
	case kindInt:
		b = appendTag(b, fieldAnyIntValue, wireVarint)
		b = appendVarint(b, uint64(kv.n))
	case kindDouble:
		b = appendFixed64Field(b, fieldAnyDoubleValue, math.Float64bits(kv.f))
	case kindStrings:
		var aStart int
		b, aStart = beginMessage(b, fieldAnyArrayValue)
		for _, s := range kv.ss {
			var sStart int
			b, sStart = beginMessage(b, fieldArrayValues)
			b = appendStringField(b, fieldAnyStringValue, s)
			b = endMessage(b, sStart)
		}
		b = endMessage(b, aStart)
	}
	b = endMessage(b, vStart)
	return endMessage(b, kvStart)
}

package otlp

import (
	"math"

	"github.com/wbinstrument/wbinstrument/runtime/internal/protowire"
)

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
	b, kvStart := protowire.BeginMessage(b, field)
	b = protowire.AppendString(b, fieldKeyValueKey, key)
	b, vStart := protowire.BeginMessage(b, fieldKeyValueValue)
	b = protowire.AppendBytes(b, fieldAnyStringValue, v)
	b = protowire.EndMessage(b, vStart)
	return protowire.EndMessage(b, kvStart)
}

// AppendKeyValue appends kv as a KeyValue message in field (attributes
// are field 9 of Span, SpanAttributes, and 1 of Resource).
func AppendKeyValue(b []byte, field int, kv KeyValue) []byte {
	b, kvStart := protowire.BeginMessage(b, field)
	b = protowire.AppendString(b, fieldKeyValueKey, kv.Key)
	b, vStart := protowire.BeginMessage(b, fieldKeyValueValue)
	switch kv.kind {
	case kindString:
		b = protowire.AppendString(b, fieldAnyStringValue, kv.s)
	case kindBool:
		b = protowire.AppendTag(b, fieldAnyBoolValue, protowire.Varint)
		b = protowire.AppendVarint(b, uint64(kv.n))
	case kindInt:
		b = protowire.AppendTag(b, fieldAnyIntValue, protowire.Varint)
		b = protowire.AppendVarint(b, uint64(kv.n))
	case kindDouble:
		b = protowire.AppendFixed64(b, fieldAnyDoubleValue, math.Float64bits(kv.f))
	case kindStrings:
		var aStart int
		b, aStart = protowire.BeginMessage(b, fieldAnyArrayValue)
		for _, s := range kv.ss {
			var sStart int
			b, sStart = protowire.BeginMessage(b, fieldArrayValues)
			b = protowire.AppendString(b, fieldAnyStringValue, s)
			b = protowire.EndMessage(b, sStart)
		}
		b = protowire.EndMessage(b, aStart)
	}
	b = protowire.EndMessage(b, vStart)
	return protowire.EndMessage(b, kvStart)
}

package otlp

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/internal/protowire"
)

// SpanKind values of trace.proto.
const (
	KindInternal = 1
	KindClient   = 3
)

// Status codes of trace.proto's Status.
const (
	StatusUnset = 0
	StatusOK    = 1
	StatusError = 2
)

// Span is one finished span.
type Span struct {
	TraceID       [16]byte
	SpanID        [8]byte
	ParentSpanID  [8]byte // zero for a root span
	Name          string
	Kind          int
	Start, End    time.Time
	Attributes    []KeyValue
	StatusCode    int
	StatusMessage string
}

// Append appends the span's Span message fields (not the field header of
// ScopeSpans.spans): more attributes may be appended to the result with
// AppendKeyValue(b, SpanAttributes, kv), since protobuf merges repeated
// fields wherever they occur in a message.
func (s *Span) Append(b []byte) []byte {
	b = protowire.AppendBytes(b, fieldSpanTraceID, s.TraceID[:])
	b = protowire.AppendBytes(b, fieldSpanSpanID, s.SpanID[:])
	if s.ParentSpanID != ([8]byte{}) {
		b = protowire.AppendBytes(b, fieldSpanParentSpanID, s.ParentSpanID[:])
	}
	b = protowire.AppendString(b, fieldSpanName, s.Name)
	if s.Kind != 0 {
		b = protowire.AppendTag(b, fieldSpanKind, protowire.Varint)
		b = protowire.AppendVarint(b, uint64(s.Kind))
	}
	b = protowire.AppendFixed64(b, fieldSpanStartTimeUnixNano, uint64(s.Start.UnixNano()))
	b = protowire.AppendFixed64(b, fieldSpanEndTimeUnixNano, uint64(s.End.UnixNano()))
	for _, kv := range s.Attributes {
		b = AppendKeyValue(b, SpanAttributes, kv)
	}
	if s.StatusCode != StatusUnset || s.StatusMessage != "" {
		var st int
		b, st = protowire.BeginMessage(b, fieldSpanStatus)
		if s.StatusMessage != "" {
			b = protowire.AppendString(b, fieldStatusMessage, s.StatusMessage)
		}
		if s.StatusCode != 0 {
			b = protowire.AppendTag(b, fieldStatusCode, protowire.Varint)
			b = protowire.AppendVarint(b, uint64(s.StatusCode))
		}
		b = protowire.EndMessage(b, st)
	}
	return b
}

// SpanAttributes is the field number of Span.attributes.
const SpanAttributes = 9

// ids hands out random trace and span ids from a buffer filled by
// crypto/rand, 24 bytes per span; a counter keeps them unique should the
// entropy source fail.
var ids struct {
	mu  sync.Mutex
	buf [24 * 64]byte
	off int
	n   uint64
}

// NewIDs returns a fresh random trace id and span id.
func NewIDs() (trace [16]byte, span [8]byte) {
	ids.mu.Lock()
	if ids.off == 0 || ids.off >= len(ids.buf) {
		if _, err := rand.Read(ids.buf[:]); err != nil {
			for i := 0; i < len(ids.buf); i += 8 {
				ids.n++
				binary.LittleEndian.PutUint64(ids.buf[i:], uint64(time.Now().UnixNano())^ids.n<<40)
			}
		}
		ids.off = 0
	}
	copy(trace[:], ids.buf[ids.off:])
	copy(span[:], ids.buf[ids.off+16:])
	ids.off += 24
	ids.mu.Unlock()
	return trace, span
}

// Resource is the resource and instrumentation scope a batch of spans is
// sent under.
type Resource struct {
	Attributes   []KeyValue
	ScopeName    string
	ScopeVersion string
}

// Request encodes an ExportTraceServiceRequest holding spans (each the
// fields of one Span message, as Span.Append writes them) under one
// resource and scope.
func Request(res *Resource, spans [][]byte) []byte {
	size := 256
	for _, s := range spans {
		size += len(s) + 4
	}
	b := make([]byte, 0, size)
	b, rs := protowire.BeginMessage(b, fieldRequestResourceSpans)
	var r int
	b, r = protowire.BeginMessage(b, fieldResourceSpansResource)
	for _, kv := range res.Attributes {
		b = AppendKeyValue(b, fieldResourceAttributes, kv)
	}
	b = protowire.EndMessage(b, r)
	var ss int
	b, ss = protowire.BeginMessage(b, fieldResourceSpansScopeSpans)
	var sc int
	b, sc = protowire.BeginMessage(b, fieldScopeSpansScope)
	b = protowire.AppendString(b, fieldScopeName, res.ScopeName)
	if res.ScopeVersion != "" {
		b = protowire.AppendString(b, fieldScopeVersion, res.ScopeVersion)
	}
	b = protowire.EndMessage(b, sc)
	for _, s := range spans {
		b = protowire.AppendBytes(b, fieldScopeSpansSpans, s)
	}
	b = protowire.EndMessage(b, ss)
	return protowire.EndMessage(b, rs)
}

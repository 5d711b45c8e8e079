package otlp

// Field numbers of the OTLP messages this package writes, one block a
// message, each named after its field in the protos
// (open-telemetry/opentelemetry-proto, opentelemetry/proto/...). The
// encoder names them rather than writing bare numbers; the official
// generated types decode what it writes in internal/openaitest.

// ExportTraceServiceRequest (collector/trace/v1/trace_service.proto).
const fieldRequestResourceSpans = 1 // resource_spans

// ResourceSpans (trace/v1/trace.proto).
const (
	fieldResourceSpansResource   = 1 // resource
	fieldResourceSpansScopeSpans = 2 // scope_spans
)

// Resource (resource/v1/resource.proto).
const fieldResourceAttributes = 1 // attributes

// ScopeSpans (trace/v1/trace.proto).
const (
	fieldScopeSpansScope = 1 // scope
	fieldScopeSpansSpans = 2 // spans
)

// InstrumentationScope (common/v1/common.proto).
const (
	fieldScopeName    = 1 // name
	fieldScopeVersion = 2 // version
)

// Span (trace/v1/trace.proto). SpanAttributes (span.go), field 9, is
// exported for callers that append attributes to an encoded span.
const (
	fieldSpanTraceID           = 1  // trace_id
	fieldSpanSpanID            = 2  // span_id
	fieldSpanParentSpanID      = 4  // parent_span_id
	fieldSpanName              = 5  // name
	fieldSpanKind              = 6  // kind
	fieldSpanStartTimeUnixNano = 7  // start_time_unix_nano
	fieldSpanEndTimeUnixNano   = 8  // end_time_unix_nano
	fieldSpanStatus            = 15 // status
)

// Status (trace/v1/trace.proto).
const (
	fieldStatusMessage = 2 // message
	fieldStatusCode    = 3 // code
)

// KeyValue (common/v1/common.proto).
const (
	fieldKeyValueKey   = 1 // key
	fieldKeyValueValue = 2 // value
)

// AnyValue (common/v1/common.proto): the oneof value.
const (
	fieldAnyStringValue = 1 // string_value
	fieldAnyBoolValue   = 2 // bool_value
	fieldAnyIntValue    = 3 // int_value
	fieldAnyDoubleValue = 4 // double_value
	fieldAnyArrayValue  = 5 // array_value
)

// ArrayValue (common/v1/common.proto).
const fieldArrayValues = 1 // values

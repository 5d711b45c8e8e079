// Package otlp encodes spans as OTLP/HTTP protobuf and exports them to
// an OpenTelemetry collector or to W&B Weave, batched, retried and
// spooled to disk, with the standard library only.
//
// The wire encoding is written by hand from the OTLP protos
// (open-telemetry/opentelemetry-proto: opentelemetry/proto/trace/v1/trace.proto,
// common/v1/common.proto, resource/v1/resource.proto and
// collector/trace/v1/trace_service.proto); tests in internal/openaitest
// decode it with the official generated types
// (go.opentelemetry.io/proto/otlp).
package otlp

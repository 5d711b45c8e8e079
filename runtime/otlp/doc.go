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
//
// Where to start: Span and Request (span.go) encode spans and the
// ExportTraceServiceRequest around them, on KeyValue and the wire helpers
// of wire.go; NewExporter (exporter.go) batches encoded spans on its own
// goroutine and Send (send.go) posts a batch with retries to a Target
// (env.go builds one from the OTEL_* and WANDB_* settings); AppendSpool,
// ReadSpool and SendSpool (spool.go) keep spans on disk until they are
// sent, which is how offline runs reach Weave later.
package otlp

// The runtime's OpenTelemetry bridge, a module of its own so that only
// programs that use OpenTelemetry get it. Its tests are in
// internal/openaitest/otelbridge: a requirement here, even one only tests
// use (the OpenTelemetry SDK), would join every such program's module
// graph and could raise its versions.
module github.com/wbinstrument/wbinstrument/runtime/otelbridge

go 1.18

require (
	github.com/wbinstrument/wbinstrument/runtime v0.1.0
	go.opentelemetry.io/otel v1.0.1
	go.opentelemetry.io/otel/trace v1.0.1
)

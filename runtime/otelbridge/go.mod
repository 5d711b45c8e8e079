module github.com/wbinstrument/wbinstrument/runtime/otelbridge

go 1.18

require (
	github.com/wbinstrument/wbinstrument/runtime v0.1.0
	go.opentelemetry.io/otel v1.0.1
	go.opentelemetry.io/otel/trace v1.0.1
)

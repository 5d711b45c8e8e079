module example.com/otel

go 1.23.0

require (
	github.com/sashabaranov/go-openai v1.43.0
	go.opentelemetry.io/otel v1.37.0
)

require (
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	go.opentelemetry.io/auto/sdk v1.1.0 // indirect
	go.opentelemetry.io/otel/metric v1.37.0 // indirect
	go.opentelemetry.io/otel/trace v1.37.0 // indirect
)

require github.com/wbinstrument/wbinstrument/runtime v0.1.0 // wbinstrument

replace github.com/wbinstrument/wbinstrument/runtime => $WBI/runtime // wbinstrument

require github.com/wbinstrument/wbinstrument/runtime/otelbridge v0.0.0-00010101000000-000000000000 // wbinstrument

replace github.com/wbinstrument/wbinstrument/runtime/otelbridge => $WBI/runtime/otelbridge // wbinstrument

package otlp

import (
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/internal/casetest"
)

func TestWeaveEndpoint(t *testing.T) {
	casetest.Strings(t, "WeaveEndpoint", WeaveEndpoint, map[string]string{
		"":                        "https://trace.wandb.ai/otel/v1/traces",
		"https://api.wandb.ai":    "https://trace.wandb.ai/otel/v1/traces",
		"https://api.wandb.ai/":   "https://trace.wandb.ai/otel/v1/traces",
		"https://acme.wandb.io":   "https://acme.wandb.io/traces/otel/v1/traces",
		"http://localhost:8080/":  "http://localhost:8080/traces/otel/v1/traces",
		"https://wandb.corp.com/": "https://wandb.corp.com/traces/otel/v1/traces",
	})
}

func TestEnvFrom(t *testing.T) {
	env := map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":                        "http://collector:4318/",
		"OTEL_EXPORTER_OTLP_HEADERS":                         "x-honeycomb-team=abc%20def,  x-other = 1 ",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS":                  "x-other=2",
		"OTEL_SERVICE_NAME":                                  "bot",
		"OTEL_RESOURCE_ATTRIBUTES":                           "deployment.environment=prod,service.name=ignored",
		"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true",
		"OTEL_BSP_SCHEDULE_DELAY":                            "250",
		"OTEL_EXPORTER_OTLP_COMPRESSION":                     "gzip",
		"OTEL_EXPORTER_OTLP_TIMEOUT":                         "nope",
	}
	e := EnvFrom(func(k string) string { return env[k] })
	if e.Target == nil || e.Target.Endpoint != "http://collector:4318/v1/traces" || !e.Target.Gzip {
		t.Fatalf("target %+v", e.Target)
	}
	if e.Target.Header.Get("x-honeycomb-team") != "abc def" || e.Target.Header.Get("x-other") != "2" {
		t.Errorf("headers %v", e.Target.Header)
	}
	if len(e.Resource) != 2 || e.Resource[0].Key != "deployment.environment" || e.Resource[1].Value() != "bot" {
		t.Errorf("resource %+v", e.Resource)
	}
	if !e.CaptureContent || e.Delay != 250*time.Millisecond || e.Timeout != 0 || len(e.Warnings) != 1 {
		t.Errorf("capture %v, delay %v, timeout %v, warnings %q", e.CaptureContent, e.Delay, e.Timeout, e.Warnings)
	}
	env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "https://x.example/custom"
	if e := EnvFrom(func(k string) string { return env[k] }); e.Target.Endpoint != "https://x.example/custom" {
		t.Errorf("traces endpoint %q", e.Target.Endpoint)
	}
	env["OTEL_TRACES_EXPORTER"] = "none"
	if e := EnvFrom(func(k string) string { return env[k] }); e.Target != nil {
		t.Error("OTEL_TRACES_EXPORTER=none still exports")
	}
	delete(env, "OTEL_TRACES_EXPORTER")
	env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc"
	if e := EnvFrom(func(k string) string { return env[k] }); e.Target != nil || len(e.Warnings) != 2 {
		t.Errorf("grpc: target %v, warnings %q", e.Target, e.Warnings)
	}
}

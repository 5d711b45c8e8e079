package otlp

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// WeaveEndpoint is Weave's OTLP traces endpoint for a W&B API base URL:
// https://trace.wandb.ai/otel/v1/traces for W&B's cloud, and
// <base>/traces/otel/v1/traces for dedicated and self-managed servers
// (W&B docs, weave/guides/tracking/otel).
func WeaveEndpoint(baseURL string) string {
	baseURL = strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if baseURL == "" {
		return "https://trace.wandb.ai/otel/v1/traces"
	}
	u, err := url.Parse(baseURL)
	if err == nil && (u.Host == "api.wandb.ai" || u.Host == "wandb.ai") {
		return "https://trace.wandb.ai/otel/v1/traces"
	}
	return baseURL + "/traces/otel/v1/traces"
}

// WeaveTarget is the target of a W&B project's Weave traces. Weave takes
// the project from the resource attributes wandb.entity and wandb.project
// and the key from the wandb-api-key header; older servers read the
// project_id header and Basic auth (api:<key>), which are sent too.
func WeaveTarget(endpoint, apiKey, entity, project string, res []KeyValue) *Target {
	h := http.Header{}
	h.Set("wandb-api-key", apiKey)
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("api:"+apiKey)))
	h.Set("project_id", entity+"/"+project)
	attrs := append([]KeyValue{String("wandb.entity", entity), String("wandb.project", project)}, res...)
	return &Target{Endpoint: endpoint, Header: h, Gzip: true, Resource: Resource{Attributes: attrs}}
}

// Env is what the standard OpenTelemetry environment configures, read as
// the OTel SDKs read it (opentelemetry-specification,
// configuration/sdk-environment-variables.md and
// protocol/exporter.md).
type Env struct {
	// Target is the OTLP/HTTP collector, nil when no OTLP endpoint is
	// set or tracing is off (OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER=none).
	Target *Target
	// Resource holds service.name and OTEL_RESOURCE_ATTRIBUTES.
	Resource []KeyValue
	// CaptureContent is OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT.
	CaptureContent bool
	// Batch settings: OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
	// OTEL_BSP_SCHEDULE_DELAY (ms) and OTEL_EXPORTER_OTLP[_TRACES]_TIMEOUT (ms).
	MaxQueue, BatchSize int
	Delay, Timeout      time.Duration
	// Warnings are the settings that were not understood.
	Warnings []string
}

// EnvFrom reads the OpenTelemetry environment through getenv.
func EnvFrom(getenv func(string) string) Env {
	var e Env
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	ms := func(keys ...string) time.Duration {
		for _, k := range keys {
			if v := get(k); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					e.Warnings = append(e.Warnings, k+"="+strconv.Quote(v)+" is not a number of milliseconds; using the default")
					return 0
				}
				return time.Duration(n) * time.Millisecond
			}
		}
		return 0
	}
	num := func(k string) int {
		v := get(k)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			e.Warnings = append(e.Warnings, k+"="+strconv.Quote(v)+" is not a positive number; using the default")
			return 0
		}
		return n
	}
	e.MaxQueue = num("OTEL_BSP_MAX_QUEUE_SIZE")
	e.BatchSize = num("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")
	e.Delay = ms("OTEL_BSP_SCHEDULE_DELAY")
	e.Timeout = ms("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
	e.CaptureContent = truthy(get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"))

	attrs := parseList(get("OTEL_RESOURCE_ATTRIBUTES"))
	service := get("OTEL_SERVICE_NAME")
	if service == "" {
		service = attrs["service.name"]
	}
	if service == "" {
		exe, _ := os.Executable()
		service = "unknown_service:" + filepath.Base(exe)
	}
	attrs["service.name"] = service
	for _, k := range sortedKeys(attrs) {
		e.Resource = append(e.Resource, String(k, attrs[k]))
	}

	if truthy(get("OTEL_SDK_DISABLED")) || strings.EqualFold(get("OTEL_TRACES_EXPORTER"), "none") {
		return e
	}
	endpoint := get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if endpoint == "" {
		if base := get("OTEL_EXPORTER_OTLP_ENDPOINT"); base != "" {
			endpoint = strings.TrimRight(base, "/") + "/v1/traces"
		}
	}
	if endpoint == "" {
		return e
	}
	proto := get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if proto == "" {
		proto = get("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if proto != "" && proto != "http/protobuf" {
		e.Warnings = append(e.Warnings, "OTEL_EXPORTER_OTLP_PROTOCOL="+strconv.Quote(proto)+": only http/protobuf is supported; not exporting spans to "+redactURL(endpoint))
		return e
	}
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		e.Warnings = append(e.Warnings, "the OTLP traces endpoint is not an http(s) URL; not exporting spans")
		return e
	}
	h := http.Header{}
	for k, v := range parseList(get("OTEL_EXPORTER_OTLP_HEADERS")) {
		h.Set(k, v)
	}
	for k, v := range parseList(get("OTEL_EXPORTER_OTLP_TRACES_HEADERS")) {
		h.Set(k, v)
	}
	comp := get("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION")
	if comp == "" {
		comp = get("OTEL_EXPORTER_OTLP_COMPRESSION")
	}
	e.Target = &Target{Endpoint: endpoint, Header: h, Gzip: comp == "gzip", Resource: Resource{Attributes: e.Resource}}
	return e
}

// parseList reads the W3C-baggage-like "k1=v1,k2=v2" lists of
// OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS, values
// percent-decoded.
func parseList(v string) map[string]string {
	m := map[string]string{}
	for _, item := range strings.Split(v, ",") {
		i := strings.IndexByte(item, '=')
		if i <= 0 {
			continue
		}
		k := strings.TrimSpace(item[:i])
		val := strings.TrimSpace(item[i+1:])
		if d, err := url.PathUnescape(val); err == nil {
			val = d
		}
		if k != "" {
			m[k] = val
		}
	}
	return m
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

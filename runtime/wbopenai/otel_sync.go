package wbopenai

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/otlp"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// SpanSync says where SyncSpans sends a run's kept spans.
type SpanSync struct {
	APIKey  string // never printed
	BaseURL string // the W&B API; Weave's endpoint is derived from it
	// Endpoint overrides the derived Weave endpoint
	// (WBINSTRUMENT_WEAVE_ENDPOINT).
	Endpoint        string
	Entity, Project string // as W&B filed the run
	Retry           otlp.Retry
	Timeout         time.Duration
}

// SpansPending tells whether a run directory holds spans not sent yet.
func SpansPending(runDir string) bool {
	return otlp.Pending(filepath.Join(runDir, filepath.FromSlash(SpoolName)))
}

// SyncSpans sends the spans kept in a run directory (an offline run's,
// or those an online run could not deliver before it finished) to Weave,
// each once: the spool records how far the receiver has acknowledged, so
// an interrupted sync resumes where it stopped. It returns how many
// spans it sent now.
func SyncSpans(ctx context.Context, runDir string, o SpanSync) (int, error) {
	spool := filepath.Join(runDir, filepath.FromSlash(SpoolName))
	if !otlp.Pending(spool) {
		return 0, nil
	}
	endpoint := strings.TrimSpace(o.Endpoint)
	if endpoint == "" {
		endpoint = otlp.WeaveEndpoint(o.BaseURL)
	}
	env := otlp.EnvFrom(getenv)
	t := otlp.WeaveTarget(endpoint, o.APIKey, o.Entity, o.Project, env.Resource)
	t.Resource.ScopeName, t.Resource.ScopeVersion = "github.com/wbinstrument/wbinstrument/runtime/wbopenai", wandb.Version
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Retry.Base <= 0 {
		o.Retry = otlp.DefaultRetry
	}
	res, err := otlp.SendSpool(ctx, spool, t, 512, o.Timeout, o.Retry)
	return res.Sent, err
}

package wbopenai

import (
	"context"
	"errors"
	"os"
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
	Endpoint string
	// Entity and Project name the project W&B filed the run in; an empty
	// one is taken from what an earlier sync (or the online run) recorded.
	Entity, Project string
	Retry           otlp.Retry
	Timeout         time.Duration
	// GiveUp bounds the retries of one sync (default 2 minutes): spans
	// not sent by then stay for the next sync.
	GiveUp time.Duration
}

// targetName records, next to the spool, the entity and project the
// run's spans belong to once they are known (W&B resolves a run's default
// entity only when it uploads the run), so that a later sync of a run
// already marked synced can still send its spans.
const targetName = "otel/target"

func writeSpoolTarget(runDir, entity, project string) {
	p := filepath.Join(runDir, filepath.FromSlash(targetName))
	if b, err := os.ReadFile(p); err == nil && string(b) == entity+"/"+project+"\n" {
		return
	}
	_ = os.MkdirAll(filepath.Dir(p), 0o755)
	_ = os.WriteFile(p, []byte(entity+"/"+project+"\n"), 0o644)
}

// SpansTarget is the entity and project recorded for a run's spans ("",
// "" when none is).
func SpansTarget(runDir string) (entity, project string) { return readSpoolTarget(runDir) }

func readSpoolTarget(runDir string) (entity, project string) {
	b, err := os.ReadFile(filepath.Join(runDir, filepath.FromSlash(targetName)))
	if err != nil {
		return "", ""
	}
	e, p, _ := strings.Cut(strings.TrimSpace(string(b)), "/")
	return e, p
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
	if o.Entity == "" || o.Project == "" {
		e, p := readSpoolTarget(runDir)
		if o.Entity == "" {
			o.Entity = e
		}
		if o.Project == "" {
			o.Project = p
		}
	}
	if o.Entity != "" && o.Project != "" {
		writeSpoolTarget(runDir, o.Entity, o.Project)
	}
	if o.Entity == "" || o.Project == "" {
		return 0, errors.New("the run's spans wait for Weave, but the run names no entity or project: set WANDB_ENTITY or pass -entity")
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
	if o.GiveUp <= 0 {
		o.GiveUp = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, o.GiveUp)
	defer cancel()
	res, err := otlp.SendSpool(ctx, spool, t, 512, o.Timeout, o.Retry)
	return res.Sent, err
}

// Package wandb writes Weights & Biases runs: the offline run directory with
// its .wandb transaction log, and, online, the W&B HTTP API. It knows nothing
// of OpenAI and uses the standard library only, because every instrumented
// program compiles it.
package wandb

import (
	"errors"
	"time"
)

// Options configures a run. Every empty field is taken from the WANDB_*
// environment variable of the same meaning; explicit values win.
type Options struct {
	Project string   // WANDB_PROJECT
	Entity  string   // WANDB_ENTITY
	Name    string   // WANDB_NAME (display name)
	Notes   string   // WANDB_NOTES
	Tags    []string // WANDB_TAGS, comma separated
	Group   string   // WANDB_RUN_GROUP
	JobType string   // WANDB_JOB_TYPE
	Config  map[string]interface{}
	Dir     string // WANDB_DIR: the run lands in Dir/wandb/; default the working directory
	Mode    string // WANDB_MODE: "offline" (default without an API key), "online", "disabled"; "dryrun" means offline
	RunID   string // WANDB_RUN_ID; default 8 random chars [a-z0-9]
	APIKey  string // WANDB_API_KEY; never written anywhere
	BaseURL string // WANDB_BASE_URL; default https://api.wandb.ai
	// Silent suppresses the start and finish lines on stderr (WANDB_SILENT=true).
	Silent bool
	// FinishTimeout bounds how long Finish waits for queued records and
	// uploads (WANDB_FINISH_TIMEOUT, e.g. "30s"); default 30s.
	FinishTimeout time.Duration
}

// Run is one W&B run. Its methods are safe for concurrent use and never
// block on I/O: records go to a bounded queue drained by one goroutine.
type Run struct{}

// Step describes the history row being built by a LogFunc callback.
type Step struct {
	Num       int64   // _step, 0-based
	Runtime   float64 // _runtime, seconds since the run started
	Timestamp float64 // _timestamp, unix seconds
}

var errTODO = errors.New("wandb: not implemented yet")

// Init starts a run.
func Init(opts Options) (*Run, error) { return nil, errTODO }

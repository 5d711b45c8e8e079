package wandb

// Uploading a finished run is package online's; these forward to it so
// callers of this package (`wbinstrument sync`) keep their API.

import (
	"context"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
)

// DefaultBaseURL is W&B's public API, used when WANDB_BASE_URL is unset.
const DefaultBaseURL = online.DefaultBaseURL

// SyncOptions configures Sync; see online.SyncOptions.
type SyncOptions = online.SyncOptions

// SyncResult says what Sync did with one run; see online.SyncResult.
type SyncResult = online.SyncResult

// UploadError is a W&B API failure that sending again will not fix; see
// online.UploadError.
type UploadError = online.UploadError

// Sync uploads one run (a .wandb file or its run directory) to W&B and
// writes its .synced marker; see online.Sync.
func Sync(ctx context.Context, path string, opts SyncOptions) (*SyncResult, error) {
	return online.Sync(ctx, path, opts)
}

// SyncTargets resolves sync arguments to .wandb files, the way `wandb
// sync` reads them; see online.SyncTargets.
func SyncTargets(args []string) ([]string, error) { return online.SyncTargets(args) }

// Synced reports whether a .wandb file has its .synced marker.
func Synced(log string) bool { return online.Synced(log) }

// RunURL is the web page of a run, derived from the API base URL the way
// W&B's clients do; see online.RunURL.
func RunURL(baseURL, entity, project, runID string) string {
	return online.RunURL(baseURL, entity, project, runID)
}

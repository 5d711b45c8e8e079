package online

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/internal/runlock"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// SyncOptions configures Sync.
type SyncOptions struct {
	APIKey  string // required; never printed
	BaseURL string // default DefaultBaseURL
	// Entity and Project, when set, override what the run recorded.
	Entity, Project string
	// DefaultEntity and DefaultProject apply to runs that recorded none
	// (WANDB_ENTITY and WANDB_PROJECT).
	DefaultEntity, DefaultProject string
	// Force uploads runs that already have a .synced marker, and runs a
	// live process is still writing (see SyncResult.Live).
	Force bool
	// Progress, when set, hears how many history rows of total the server
	// holds, after every batch.
	Progress func(rowsSent, rowsTotal int)
	// RetryBase and RetryMax bound the backoff between retries (default
	// 2s and 60s, or WANDB_X_FILE_STREAM_RETRY_WAIT_MIN_SECONDS and
	// WANDB_X_FILE_STREAM_RETRY_WAIT_MAX_SECONDS); GiveUp stops retrying one request after that long
	// (default 10 minutes).
	RetryBase, RetryMax, GiveUp time.Duration
	// Edit, when set, sees each record read from the log before it is
	// uploaded, may change it, and may return records to upload before
	// it. The CLI fills in estimated token counts with it, since counting
	// tokens needs a tokenizer this module cannot import, and prices the
	// rows of runs logged before costs were (with a metric definition
	// and a config record ahead of the first row it prices).
	Edit func(*wandbfile.Record) (before []*wandbfile.Record)
}

// SyncResult says what Sync did with one run.
type SyncResult struct {
	Log             string // the .wandb file
	RunID           string
	Entity, Project string // as W&B resolved them
	URL             string // the run's page
	Rows            int    // history rows uploaded
	ExitCode        int    // the exit code W&B was given
	Skipped         bool   // already synced, or live: nothing was sent
	// Live, when the run was skipped because a process still writes it,
	// names that process: its log has no exit record yet, and uploading
	// it now would complete it as crashed.
	Live             string
	Crashed          bool  // the log has no exit record
	CorruptAt        int64 // with a *CorruptError: where the readable part ends
	MarkerWritten    bool
	ReadableFraction string // e.g. "12345 of 20000 bytes" for a corrupt log
}

// SyncTargets resolves sync arguments to .wandb files, the way `wandb
// sync` reads them: a .wandb file, a run directory, or a wandb directory
// (every offline-run-* and run-* directory in it). Without arguments it
// looks in ./wandb. Runs with a .synced marker are included; Sync skips
// them.
func SyncTargets(args []string) ([]string, error) {
	if len(args) == 0 {
		args = []string{"wandb"}
		if _, err := os.Stat("wandb"); err != nil {
			return nil, errors.New("wandb: no ./wandb directory here; name a run directory, a .wandb file or a wandb directory")
		}
	}
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("wandb: %w", err)
		}
		if !st.IsDir() {
			if !strings.HasSuffix(a, ".wandb") {
				return nil, fmt.Errorf("wandb: %s is not a .wandb file", a)
			}
			out = append(out, a)
			continue
		}
		if log, err := wandbfile.FindRunLog(a); err == nil {
			out = append(out, log)
			continue
		}
		// A wandb directory: its run directories, oldest first (the
		// names sort by start time).
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, fmt.Errorf("wandb: %w", err)
		}
		var names []string
		for _, e := range entries {
			n := e.Name()
			if e.IsDir() && (strings.HasPrefix(n, "offline-run-") || strings.HasPrefix(n, "run-")) {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		found := 0
		for _, n := range names {
			if log, err := wandbfile.FindRunLog(filepath.Join(a, n)); err == nil {
				out = append(out, log)
				found++
			}
		}
		if found == 0 {
			return nil, fmt.Errorf("wandb: %s holds no run directory with a run-*.wandb file", a)
		}
	}
	return out, nil
}

// Synced reports whether a .wandb file has its .synced marker.
func Synced(log string) bool {
	_, err := os.Stat(log + ".synced")
	return err == nil
}

// Sync uploads one run (a .wandb file or its run directory) to W&B with
// the same uploader online mode uses, then writes the .synced marker. It
// is safe to run again: a marked run is skipped, and an unmarked one is
// sent from the start, which W&B's offset-addressed file_stream stores
// over whatever an earlier attempt left, without duplicates.
//
// A log with a torn or damaged tail is uploaded up to the damage and
// completed as crashed; Sync then returns the *CorruptError (wrapped) and
// leaves no marker. A run without an exit record is completed with exit
// code 1, as W&B's sync does.
func Sync(ctx context.Context, path string, opts SyncOptions) (*SyncResult, error) {
	log, err := wandbfile.FindRunLog(path)
	if err != nil {
		return nil, err
	}
	res := &SyncResult{Log: log}
	if !opts.Force && Synced(log) {
		res.Skipped = true
		return res, nil
	}
	api, err := newAPIClient(opts.BaseURL, opts.APIKey)
	if err != nil {
		return res, err
	}
	tune := tuningFromEnv(onlineDefaults, os.Getenv)
	api.retry, api.timeout = tune.retry, tune.timeout
	if opts.RetryBase > 0 {
		api.retry.base = opts.RetryBase
	}
	if opts.RetryMax > 0 {
		api.retry.max = opts.RetryMax
	}
	if api.retry.max < api.retry.base {
		api.retry.max = api.retry.base
	}
	api.retry.giveUp = 10 * time.Minute
	if opts.GiveUp > 0 {
		api.retry.giveUp = opts.GiveUp
	}
	total, exited, err := countRows(log)
	if err != nil {
		return res, err
	}
	if !exited && !opts.Force {
		if owner := runlock.Owner(log); owner != "" {
			res.Skipped, res.Live = true, owner
			return res, nil
		}
	}
	u := newUploader(api, filepath.Join(filepath.Dir(log), "files"))
	u.entity, u.project = opts.Entity, opts.Project
	u.defaultEntity, u.defaultProject = opts.DefaultEntity, opts.DefaultProject
	progress := func(sent int) {
		if opts.Progress != nil {
			opts.Progress(sent, total)
		}
	}

	f, err := os.Open(log)
	if err != nil {
		return res, fmt.Errorf("wandb: %w", err)
	}
	defer f.Close()
	rd, err := wandbfile.NewReader(f)
	if err != nil {
		return res, fmt.Errorf("%s: %w", log, err)
	}
	var readErr error
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		if opts.Edit != nil {
			for _, b := range opts.Edit(rec) {
				u.add(b)
			}
		}
		u.add(rec)
		if u.info != nil && (u.pendingRows() >= batchLines || u.pendingBytes() >= batchBytes) {
			if err := u.flush(ctx, progress); err != nil {
				return res, fmt.Errorf("%s: %w", log, err)
			}
		}
	}
	var ce *wandbfile.CorruptError
	if readErr != nil && !errors.As(readErr, &ce) {
		return res, fmt.Errorf("%s: %w", log, readErr)
	}
	if u.info == nil {
		if ce != nil {
			return res, fmt.Errorf("%s: %w; nothing readable to upload (no run record before the damage)", log, readErr)
		}
		return res, fmt.Errorf("%s: no run record; W&B cannot tell which run this is", log)
	}
	res.Crashed = !u.exited
	res.ExitCode = 1
	if u.exited {
		res.ExitCode = u.exitCode
	}
	if err := u.complete(ctx, progress); err != nil {
		return res, fmt.Errorf("%s: %w", log, err)
	}
	res.RunID, res.Entity, res.Project = u.info.ID, u.gotEntity, u.gotProject
	res.URL = RunURL(api.base, u.gotEntity, u.gotProject, u.info.ID)
	res.Rows = u.historySent
	if ce != nil {
		res.CorruptAt = ce.Offset
		if st, err := os.Stat(log); err == nil {
			res.ReadableFraction = fmt.Sprintf("%d of %d bytes", ce.Offset, st.Size())
		}
		return res, fmt.Errorf("%s: %w; uploaded the %d rows before byte %d, marked the run crashed, left it unmarked", log, readErr, res.Rows, ce.Offset)
	}
	if err := u.uploadError(); err != nil {
		return res, fmt.Errorf("%s: %w; the run is otherwise uploaded, left unmarked so sync can try again", log, err)
	}
	if err := writeSyncedMarker(log); err != nil {
		return res, fmt.Errorf("%s: uploaded, but %w", log, err)
	}
	res.MarkerWritten = true
	return res, nil
}

// countRows counts the history records of a log (up to any damage), for
// progress reports, and says whether it has an exit record.
func countRows(log string) (rows int, exited bool, err error) {
	f, err := os.Open(log)
	if err != nil {
		return 0, false, fmt.Errorf("wandb: %w", err)
	}
	defer f.Close()
	rd, err := wandbfile.NewReader(f)
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", log, err)
	}
	for {
		rec, err := rd.Next()
		if err != nil {
			return rows, exited, nil
		}
		switch {
		case exited:
			// Records after the exit are not uploaded.
		case rec.History != nil:
			rows++
		case rec.Exit != nil:
			exited = true
		}
	}
}

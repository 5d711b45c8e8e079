package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/cost"
	"github.com/wbinstrument/wbinstrument/internal/tokens"
	"github.com/wbinstrument/wbinstrument/runtime/prices"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// progressMinRows is the run size from which sync reports progress: small
// runs upload in a blink and need no running count.
const progressMinRows = 1000

func runSync(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	entity := fs.String("entity", "", "upload to this `entity`, whatever the run recorded")
	project := fs.String("project", "", "upload to this `project`, whatever the run recorded")
	force := fs.Bool("force", false, "upload runs again even if they have a .synced marker, and runs a live program still writes (completed as crashed)")
	quiet := fs.Bool("q", false, "no progress lines for large runs")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: wbinstrument sync [-entity E] [-project P] [-force] [-q] [PATH ...]

Uploads W&B runs written by instrumented programs: offline runs, and
online runs whose upload did not finish (the program ended before its
finish timeout, or the server was unreachable). PATH is a run directory, a
run-<id>.wandb file, or a wandb directory (every offline-run-* and run-*
directory in it); the default is ./wandb. A run is marked uploaded with a
run-<id>.wandb.synced file next to its log and skipped from then on, so
sync is safe to run again. A run whose log has no exit record (the program
was killed) is uploaded as crashed (exit code 1), unless the program that
writes it is still running: such a run is skipped (its run-<id>.wandb.lock
names a live process) until it ends or -force is given. A log with a damaged
tail is uploaded up to the damage; sync reports the byte offset and exits
with status 1. The OpenTelemetry spans a run kept for W&B Weave (every
span of an offline run) are sent to Weave after the run, each once, even
for a run already synced (WBINSTRUMENT_WEAVE=false skips them).

Rows logged without a cost (runs logged before costs were, or calls the
server reported no usage for, whose tokens sync estimates) are priced with
the built-in price table or WBINSTRUMENT_PRICES, and marked
cost/priced_at_sync (and cost/estimated); the run file is not changed.

Environment: WANDB_API_KEY (required), WANDB_BASE_URL (default
https://api.wandb.ai), WANDB_ENTITY and WANDB_PROJECT (for runs that
recorded none; -entity and -project override every run), WBINSTRUMENT_PRICES
(a price file, as for instrumented programs).

Examples:

	wbinstrument sync                                  # every unsynced run in ./wandb
	wbinstrument sync wandb/offline-run-20240101_120000-abcd1234
	wbinstrument sync -project evals /data/wandb       # all runs of another wandb dir
	wbinstrument sync -force wandb/latest-run          # upload a run again

Flags:
`)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	key := os.Getenv("WANDB_API_KEY")
	if key == "" {
		fmt.Fprintln(stderr, "wbinstrument sync: no API key: set WANDB_API_KEY (find it at https://wandb.ai/authorize)")
		return 1
	}
	targets, err := online.SyncTargets(fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "wbinstrument sync:", err)
		return 1
	}
	// Runs logged without costs are priced with the runtime's table (or
	// WBINSTRUMENT_PRICES, as the program would have been); a bad price
	// file costs those runs their costs, not their upload.
	table, err := prices.FromEnv()
	if err != nil {
		fmt.Fprintf(stderr, "wbinstrument sync: %s: %v; runs logged without costs are uploaded without them\n", prices.EnvVar, err)
		table = nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	failed := 0
	for _, log := range targets {
		name := displayPath(log)
		opts := online.SyncOptions{
			APIKey: key, BaseURL: os.Getenv("WANDB_BASE_URL"),
			Entity: *entity, Project: *project,
			DefaultEntity: os.Getenv("WANDB_ENTITY"), DefaultProject: os.Getenv("WANDB_PROJECT"),
			Force: *force,
			Edit:  syncEdit(table),
		}
		if !*quiet {
			opts.Progress = progressPrinter(stderr, name)
		}
		res, err := online.Sync(ctx, log, opts)
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(stderr, "wbinstrument sync: %v\n", err)
			var ue *online.UploadError
			if errors.As(err, &ue) && ue.Unauthorized() {
				// Every other run would be refused the same way.
				fmt.Fprintf(stderr, "wbinstrument sync: stopping: W&B refused the API key; %d run(s) not tried\n", len(targets)-failed)
				return 1
			}
			if ctx.Err() != nil {
				return 1
			}
		case res.Live != "":
			fmt.Fprintf(stdout, "skipped %s: still being written by %s; it has no exit record yet, so uploading it now would mark it crashed (sync it when the program ends, or use -force)\n", name, res.Live)
		case res.Skipped:
			fmt.Fprintf(stdout, "skipped %s: already synced (use -force to upload it again)\n", name)
		default:
			state := "finished"
			if res.Crashed {
				state = "crashed (no exit record)"
			}
			fmt.Fprintf(stdout, "synced %s: %d rows, %s, exit code %d -> %s\n", name, res.Rows, state, res.ExitCode, res.URL)
		}
		if err == nil && res.Live == "" {
			// The run is uploaded; spans Weave did not take stay for the
			// next sync (a server without Weave must not fail every sync).
			if err := syncSpans(ctx, log, res, key, *entity, *project, stdout); err != nil {
				fmt.Fprintf(stderr, "wbinstrument sync: warning: %v\n", err)
			}
		}
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "wbinstrument sync: %d of %d run(s) failed\n", failed, len(targets))
		return 1
	}
	return 0
}

// progressPrinter reports rows sent for large runs, at most once a second
// and at the end.
func progressPrinter(w io.Writer, name string) func(sent, total int) {
	var last time.Time
	return func(sent, total int) {
		if total < progressMinRows {
			return
		}
		if sent < total && time.Since(last) < time.Second {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "wbinstrument sync: %s: %d/%d rows\n", name, sent, total)
	}
}

// displayPath names a run by its directory, relative to the working
// directory when shorter.
func displayPath(log string) string {
	dir := filepath.Dir(log)
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, dir); err == nil && len(rel) < len(dir) {
			return rel
		}
	}
	return dir
}

// syncEdit is what sync changes in a run as it uploads it: token counts
// estimated for calls the server reported none for, then costs for the
// rows logged without one (see cost.SyncPricer).
func syncEdit(table *prices.Table) func(*wandbfile.Record) []*wandbfile.Record {
	pricer := &cost.SyncPricer{Table: table}
	return func(rec *wandbfile.Record) []*wandbfile.Record {
		if rec.History != nil {
			estimateUsage(rec.History)
		}
		return pricer.Edit(rec)
	}
}

// estimateUsage adds token counts, marked usage/estimated, to a row whose
// call the server answered without usage (a stream from a server that
// ignores stream_options), so that W&B's usage charts count it.
func estimateUsage(h *wandbfile.HistoryRecord) {
	row := make(map[string]json.RawMessage, len(h.Items))
	for i := range h.Items {
		row[h.Items[i].FullKey()] = h.Items[i].ValueJSON
	}
	est, ok := tokens.EstimateRow(row)
	if !ok {
		return
	}
	for _, k := range []string{"usage/prompt_tokens", "usage/completion_tokens", "usage/total_tokens", "usage/estimated"} {
		h.Items = append(h.Items, wandbfile.Item{NestedKey: []string{k}, ValueJSON: est[k]})
	}
}

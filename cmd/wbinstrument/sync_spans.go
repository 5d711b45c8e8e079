package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// syncSpans sends the OpenTelemetry spans a run kept in its directory
// (every span of an offline run; those an online run could not deliver
// before it finished) to W&B Weave, under the project the run was
// uploaded to. The spool records what Weave acknowledged, so each span
// goes once however often sync runs. res is the run's sync result; for
// a run skipped as already synced, the project is the one its log names.
func syncSpans(ctx context.Context, log string, res *online.SyncResult, key, entityFlag, projectFlag string, stdout io.Writer) error {
	dir := filepath.Dir(log)
	switch strings.ToLower(strings.TrimSpace(os.Getenv("WBINSTRUMENT_WEAVE"))) {
	case "false", "0", "no", "off":
		return nil
	}
	if !wbopenai.SpansPending(dir) {
		return nil
	}
	entity, project := res.Entity, res.Project
	if entity == "" || project == "" {
		// A run skipped as synced: the flags, else the project its
		// spans were recorded for, the run's log, the environment.
		entity, project = entityFlag, projectFlag
		se, sp := wbopenai.SpansTarget(dir)
		re, rp := recordedTarget(log)
		entity = first(entity, se, re, os.Getenv("WANDB_ENTITY"))
		project = first(project, sp, rp, os.Getenv("WANDB_PROJECT"), "uncategorized")
	}
	n, err := wbopenai.SyncSpans(ctx, dir, wbopenai.SpanSync{
		APIKey: key, BaseURL: os.Getenv("WANDB_BASE_URL"),
		Endpoint: os.Getenv("WBINSTRUMENT_WEAVE_ENDPOINT"),
		Entity:   entity, Project: project,
	})
	if n > 0 {
		fmt.Fprintf(stdout, "sent %d spans of %s to Weave (%s/%s)\n", n, displayPath(log), entity, project)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", displayPath(log), err)
	}
	return nil
}

// recordedTarget is the entity and project a run's log names.
func recordedTarget(log string) (entity, project string) {
	f, err := os.Open(log)
	if err != nil {
		return "", ""
	}
	defer f.Close()
	rd, err := wandbfile.NewReader(f)
	if err != nil {
		return "", ""
	}
	for i := 0; i < 16; i++ {
		rec, err := rd.Next()
		if err != nil {
			return "", ""
		}
		if rec.Run != nil {
			return rec.Run.Entity, rec.Run.Project
		}
	}
	return "", ""
}

// first is the first non-empty string.
func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

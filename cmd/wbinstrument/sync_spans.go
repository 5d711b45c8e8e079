package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// syncSpans sends the OpenTelemetry spans a run kept in its directory
// (every span of an offline run; those an online run could not deliver
// before it finished) to W&B Weave, under the project the run was
// uploaded to. The spool records what Weave acknowledged, so each span
// goes once however often sync runs. res is the run's sync result; for
// a run skipped as already synced, the project is the one its log names.
func syncSpans(ctx context.Context, log string, res *wandb.SyncResult, key, entityFlag, projectFlag string, stdout io.Writer) error {
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
		entity, project = recordedTarget(log)
		if entityFlag != "" {
			entity = entityFlag
		}
		if projectFlag != "" {
			project = projectFlag
		}
		if entity == "" {
			entity = os.Getenv("WANDB_ENTITY")
		}
		if project == "" {
			project = os.Getenv("WANDB_PROJECT")
		}
		if project == "" {
			project = "uncategorized"
		}
	}
	if entity == "" {
		return fmt.Errorf("%s: the run's spans wait for Weave, but the run names no entity: set WANDB_ENTITY or pass -entity", displayPath(log))
	}
	n, err := wbopenai.SyncSpans(ctx, dir, wbopenai.SpanSync{
		APIKey: key, BaseURL: os.Getenv("WANDB_BASE_URL"),
		Endpoint: os.Getenv("WBINSTRUMENT_WEAVE_ENDPOINT"),
		Entity:   entity, Project: project,
	})
	if n > 0 {
		fmt.Fprintf(stdout, "sent %d spans of %s to Weave (%s/%s)\n", n, displayPath(log), entity, project)
	}
	return err
}

// recordedTarget is the entity and project a run's log names.
func recordedTarget(log string) (entity, project string) {
	f, err := os.Open(log)
	if err != nil {
		return "", ""
	}
	defer f.Close()
	rd, err := wandb.NewReader(f)
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

package fakewandb_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
)

// logCalls writes a run the way wbopenai does: the usage glob, rows with
// usage keys, a table and a trace per row, a summary.
func logCalls(t *testing.T, r *wandb.Run, n int) {
	t.Helper()
	r.DefineMetric("usage/*", "_timestamp")
	for i := 0; i < n; i++ {
		i := i
		r.LogFunc(func(s *wandb.Step) map[string]interface{} {
			tbl, err := s.Table("stats", []string{"request", "response", "total_tokens"}, [][]interface{}{{"hi <b>", "hello", 10 + i}})
			if err != nil {
				t.Errorf("Table: %v", err)
				return nil
			}
			row := map[string]interface{}{
				"usage/prompt_tokens": 4 + i, "usage/total_tokens": 10 + i, "usage/elapsed_time": 0.25,
				"stats": tbl, "trace": json.RawMessage(`{"_type":"wb_trace_tree","model_hash":"abc"}`),
			}
			if i == 1 {
				row["usage/cached_tokens"] = 2 // a key first seen later
			}
			return row
		})
	}
	r.UpdateSummary(map[string]interface{}{"calls": n, "nested": map[string]interface{}{"a": 1}})
}

// trickyConfig holds values whose YAML needs care (quoting, numbers,
// multi-line text, nesting), so config.yaml is checked on them.
var trickyConfig = map[string]interface{}{
	"model": "gpt-4o", "temperature": 0.5, "max_tokens": 256, "seed": nil, "stream": false,
	"system": "You are terse.\nAnswer in one line.\n", "version": "1.10", "date": "2024-03-01",
	"yes": "no", "list": []interface{}{"a", 1, 2.5, []interface{}{}, map[string]interface{}{"k10": 1, "k2": 2}},
	"empty": "", "colon": "a: b", "hash": "x #y", "lead": " padded", "quote": "it's", "unicode": "héllo ✓",
	"emoji": "ok 😀\ttab", "k10": 1e21, strings.Repeat("long", 40): "key over 128 bytes", "big": int64(1) << 62,
}

func TestSyncLeavesWandbSyncState(t *testing.T) {
	srv, r := trickyRun(t, "offline")
	syncRun(t, srv, r.Dir())
	checkLikeWandbSync(t, srv, r)
}

func TestOnlineLeavesWandbSyncState(t *testing.T) {
	srv, r := trickyRun(t, "online")
	checkLikeWandbSync(t, srv, r)
}

// trickyRun logs three calls with trickyConfig in a run of the given mode
// (online or offline) against a fake W&B, and returns both once the run
// is finished.
func trickyRun(t *testing.T, mode string) (*fakewandb.Server, *wandb.Run) {
	t.Helper()
	env(t)
	srv := fakewandb.New(key)
	t.Cleanup(srv.Close)
	opts := onlineOpts(srv, t.TempDir())
	opts.Mode = mode
	opts.Config = trickyConfig
	r, err := wandb.Init(opts)
	if err != nil {
		t.Fatal(err)
	}
	logCalls(t, r, 3)
	if err := r.Finish(); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return srv, r
}

// syncRun syncs the offline run in dir to srv, with short retries.
func syncRun(t *testing.T, srv *fakewandb.Server, dir string) {
	t.Helper()
	if _, err := online.Sync(context.Background(), dir, online.SyncOptions{
		APIKey: key, BaseURL: srv.URL(), RetryBase: time.Millisecond, RetryMax: 10 * time.Millisecond,
	}); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// checkLikeWandbSync checks that srv holds run r as W&B's own sync would
// leave it (fakewandb.WandbSyncModel), without a protocol violation, with
// W&B's run files, and that the API key reached neither the run
// directory nor an upload.
func checkLikeWandbSync(t *testing.T, srv *fakewandb.Server, r *wandb.Run) {
	t.Helper()
	run, ok := srv.Run(fakewandb.DefaultEntity, "proj", r.ID())
	if !ok {
		t.Fatal("run not on the server")
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("protocol violations:\n%s", strings.Join(v, "\n"))
	}
	for _, expand := range []bool{false, true} {
		fakewandb.CompareWithModel(t, fakewandb.WandbSyncModel(t, r.Dir(), expand), run, expand)
	}
	checkRunFiles(t, run)
	noKeyIn(t, r.Dir())
	for name, b := range run.Uploads {
		if strings.Contains(string(b), key) {
			t.Errorf("uploaded %s contains the API key", name)
		}
	}
}

// checkRunFiles asserts the three files W&B's sender makes are there,
// each once, with the environment W&B's Overview shows.
func checkRunFiles(t *testing.T, run fakewandb.Run) {
	t.Helper()
	for _, name := range []string{"wandb-summary.json", "config.yaml", "wandb-metadata.json"} {
		if run.UploadCount[name] != 1 {
			t.Errorf("%s uploaded %d times, want once", name, run.UploadCount[name])
		}
	}
	var meta map[string]interface{}
	if err := json.Unmarshal(run.Uploads["wandb-metadata.json"], &meta); err != nil {
		t.Fatalf("wandb-metadata.json: %v", err)
	}
	for _, k := range []string{"os", "startedAt", "program", "host", "executable", "cpu_count_logical", "writerId"} {
		if _, ok := meta[k]; !ok {
			t.Errorf("wandb-metadata.json lacks %s: %s", k, run.Uploads["wandb-metadata.json"])
		}
	}
	cfg, err := run.ConfigValues()
	if err != nil {
		t.Fatal(err)
	}
	var goInfo map[string]interface{}
	if err := json.Unmarshal(cfg["wbinstrument"], &goInfo); err != nil || goInfo["go_version"] == nil {
		t.Errorf("config wbinstrument = %s (%v), want the Go facts", cfg["wbinstrument"], err)
	}
}

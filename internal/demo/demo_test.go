package demo

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
)

// TestEndToEnd does what `wbinstrument demo` does and checks the promise:
// the rewritten program prints exactly what the original prints, and its
// run holds one row per API call with the server's token counts.
func TestEndToEnd(t *testing.T) {
	ctx, tmp, res := runBaseAndDemo(t, WriteProgram, "")
	if _, err := os.Stat(filepath.Join(tmp, "base-runs", "wandb")); err == nil {
		t.Fatal("the un-instrumented program wrote a wandb directory")
	}
	if res.Report.Summary() == "" || !res.Report.Changed() {
		t.Errorf("the rewrite changed nothing: %q", res.Report.Summary())
	}

	const wantCalls = 6 // two questions, a stream, embeddings, a tool call, a 429
	if res.ServerCalls != wantCalls {
		t.Errorf("fake server answered %d calls, want %d", res.ServerCalls, wantCalls)
	}
	if len(res.Calls) != res.ServerCalls {
		t.Errorf("run has %d call rows, the server answered %d calls", len(res.Calls), res.ServerCalls)
	}
	errs := checkRows(t, res)
	for _, c := range res.Calls {
		if c.TotalTokens != c.PromptTokens+c.CompletionTokens {
			t.Errorf("step %d: total %d != %d + %d", c.Step, c.TotalTokens, c.PromptTokens, c.CompletionTokens)
		}
	}
	// Every call but the 429 is priced in its row (gpt-4o-mini and
	// text-embedding-3-small are in the price table), and the summary's
	// total is the rows' sum.
	var usd float64
	priced := 0
	for _, c := range res.Calls {
		if c.HasCost {
			usd += c.CostUSD
			priced++
		}
	}
	if priced != wantCalls-1 {
		t.Errorf("%d rows have a cost, want %d", priced, wantCalls-1)
	}
	if got, err := strconv.ParseFloat(string(res.Run.Summary["total_cost/usd"]), 64); err != nil || got != usd || usd <= 0 ||
		string(res.Run.Summary["unpriced_calls"]) != "0" {
		t.Errorf("summary total_cost/usd %s, unpriced_calls %s; rows sum to %v", res.Run.Summary["total_cost/usd"], res.Run.Summary["unpriced_calls"], usd)
	}
	// The run file defines cost/* against _timestamp, and its config
	// names the table that priced it.
	definedCost := false
	for _, m := range res.Run.Metrics {
		if m.GlobName == "cost/*" && m.StepMetric == "_timestamp" {
			definedCost = true
		}
	}
	if !definedCost {
		t.Errorf("the run file defines no cost/* metric: %+v", res.Run.Metrics)
	}
	if !bytes.Contains(res.Run.Config["wbinstrument_prices"], []byte(`"as_of":"`)) {
		t.Errorf("config wbinstrument_prices = %s", res.Run.Config["wbinstrument_prices"])
	}
	if errs != 1 {
		t.Errorf("%d calls logged as ERROR, want 1 (the 429)", errs)
	}
	if res.Run.Exit == nil || res.Run.Exit.ExitCode != 0 {
		t.Errorf("exit record: %+v, want exit code 0", res.Run.Exit)
	}

	// The key the program used must not appear in anything it wrote.
	err := filepath.WalkDir(filepath.Join(tmp, "runs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(DemoAPIKey)) {
			t.Errorf("%s contains the API key", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Synced by our sync, the run leaves on a W&B server what W&B's own
	// sync would (fakewandb.WandbSyncModel, read from W&B's source):
	// history, summary, config with the metric definitions, whether or
	// not the server expands globs, the environment, and the files.
	wb := fakewandb.New("demo-sync-key-0123456789")
	defer wb.Close()
	sr, err := online.Sync(ctx, res.RunDir, online.SyncOptions{APIKey: "demo-sync-key-0123456789", BaseURL: wb.URL()})
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if v := wb.Violations(); len(v) > 0 {
		t.Errorf("sync broke the protocol: %q", v)
	}
	synced, ok := wb.Run(sr.Entity, sr.Project, sr.RunID)
	if !ok {
		t.Fatalf("synced run %s/%s/%s not on the server", sr.Entity, sr.Project, sr.RunID)
	}
	for _, expand := range []bool{false, true} {
		fakewandb.CompareWithModel(t, fakewandb.WandbSyncModel(t, res.RunDir, expand), synced, expand)
	}
	for _, f := range []string{"wandb-metadata.json", "wandb-summary.json", "config.yaml"} {
		if synced.UploadCount[f] != 1 {
			t.Errorf("%s uploaded %d times, want once (uploads %v)", f, synced.UploadCount[f], synced.UploadCount)
		}
	}
	if steps, _ := synced.MetricSteps(false); steps["usage/total_tokens"] != "_timestamp" {
		t.Errorf("usage/total_tokens steps on %q, want _timestamp: %v", steps["usage/total_tokens"], steps)
	}

	var out bytes.Buffer
	PrintSummary(&out, res)
	if !bytes.Contains(out.Bytes(), []byte(res.RunDir)) {
		t.Errorf("summary does not say where the run is:\n%s", out.String())
	}
	// One span per logged call, kept for Weave.
	if want := fmt.Sprintf("Spans:       %d OpenTelemetry GenAI spans", len(res.Calls)); !bytes.Contains(out.Bytes(), []byte(want)) {
		t.Errorf("summary does not count the spans (%q):\n%s", want, out.String())
	}
}

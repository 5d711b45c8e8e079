package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/internal/runtest"
	"github.com/wbinstrument/wbinstrument/runtime/prices"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

func jsonNum(t *testing.T, raw json.RawMessage) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		t.Fatalf("%s is not a number", raw)
	}
	return f
}

// syncedRun syncs runDir to a fake W&B and returns the server's run.
func syncedRun(t *testing.T, runDir string) (*wandbfile.RunData, fakewandb.Run) {
	t.Helper()
	data, err := wandbfile.ReadRunDir(runDir)
	if err != nil {
		t.Fatal(err)
	}
	srv := syncServer(t)
	if code, out, errs := runCLI("sync", runDir); code != 0 {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errs)
	}
	run, ok := srv.Run(fakewandb.DefaultEntity, data.Run.Project, data.Run.RunID)
	if !ok {
		t.Fatal("the server has no run")
	}
	return data, run
}

func writePriceFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSyncPricesRunWithoutCosts: a run logged without costs (here: its
// program had a bad price file) is priced by sync with the built-in
// table: each row's cost from its own tokens, marked priced at sync, the
// summary's totals their sum, cost/* defined against _timestamp, and the
// config naming the table. The run file itself is not changed.
func TestSyncPricesRunWithoutCosts(t *testing.T) {
	t.Setenv(prices.EnvVar, writePriceFile(t, `{"models": [}`))
	runDir, _ := runtest.Streams(t, runtest.Ask("gpt-4o-mini", "Why is the sky blue?"), runtest.Ask("gpt-4o", "Say hi."))
	t.Setenv(prices.EnvVar, "")
	data, run := syncedRun(t, runDir)
	for _, row := range data.History {
		if row[prices.KeyUSD] != nil {
			t.Fatalf("the run file has costs: %v", row)
		}
	}
	rows, err := run.History()
	if err != nil || len(rows) != 2 {
		t.Fatalf("server rows: %d, %v", len(rows), err)
	}
	rates := [][2]float64{{0.15, 0.60}, {2.50, 10.00}} // gpt-4o-mini, gpt-4o
	var sum float64
	for i, row := range rows {
		p, c := jsonNum(t, row["usage/prompt_tokens"]), jsonNum(t, row["usage/completion_tokens"])
		want := (p*rates[i][0] + c*rates[i][1]) / 1e6
		got := jsonNum(t, row[prices.KeyUSD])
		if math.Abs(got-want) > 1e-15 || string(row[prices.KeyPricedAtSync]) != "true" || row[prices.KeyEstimated] != nil {
			t.Errorf("row %d: cost %v (want %v), priced_at_sync %s, estimated %s", i, got, want, row[prices.KeyPricedAtSync], row[prices.KeyEstimated])
		}
		sum += got
	}
	summary, err := run.Summary()
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonNum(t, summary["total_cost/usd"]); got != sum || string(summary[prices.KeyUnpriced]) != "0" {
		t.Errorf("summary total_cost/usd %v (rows sum to %v), unpriced_calls %s", got, sum, summary[prices.KeyUnpriced])
	}
	cfg, err := run.ConfigValues()
	if err != nil {
		t.Fatal(err)
	}
	var at map[string]interface{}
	if err := json.Unmarshal(cfg[prices.ConfigKeyAtSync], &at); err != nil || at["as_of"] != prices.AsOf || at["priced_at"] == nil {
		t.Errorf("config %s = %s (%v)", prices.ConfigKeyAtSync, cfg[prices.ConfigKeyAtSync], err)
	}
	var internal struct {
		M []map[string]json.RawMessage `json:"m"`
	}
	if err := json.Unmarshal(cfg["_wandb"], &internal); err != nil {
		t.Fatal(err)
	}
	index := map[string]int{}
	for i, e := range internal.M {
		var name string
		json.Unmarshal(e["1"], &name)
		index[name] = i + 1
	}
	if c, ok := index[prices.KeyUSD]; !ok || string(internal.M[c-1]["5"]) != strconv.Itoa(index["_timestamp"]) {
		t.Errorf("cost/usd is not defined against _timestamp: %s", cfg["_wandb"])
	}
}

// TestSyncPricesEstimatedUsage: a stream the server reported no usage
// for is unpriced in the run; sync estimates its tokens, prices it from
// the estimate (here with a price file's prefix entry), marks it
// estimated, and takes it out of the unpriced count.
func TestSyncPricesEstimatedUsage(t *testing.T) {
	runDir, _ := runtest.Streams(t, runtest.Ask("nousage-gpt-4o", "Why is the sky blue?"))
	t.Setenv(prices.EnvVar, writePriceFile(t, `{"models": [{"prefix": "nousage-", "input": 2.5, "output": 10}]}`))
	data, run := syncedRun(t, runDir)
	if string(data.Summary[prices.KeyUnpriced]) != "1" {
		t.Fatalf("the run counts %s unpriced calls, want 1", data.Summary[prices.KeyUnpriced])
	}
	rows, err := run.History()
	if err != nil || len(rows) != 1 {
		t.Fatalf("server rows: %v, %v", rows, err)
	}
	row := rows[0]
	p, c := jsonNum(t, row["usage/prompt_tokens"]), jsonNum(t, row["usage/completion_tokens"])
	want := (p*2.5 + c*10) / 1e6
	if got := jsonNum(t, row[prices.KeyUSD]); math.Abs(got-want) > 1e-15 || string(row[prices.KeyEstimated]) != "true" || string(row["usage/estimated"]) != "true" {
		t.Errorf("cost %v (want %v), cost/estimated %s", got, want, row[prices.KeyEstimated])
	}
	summary, err := run.Summary()
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonNum(t, summary["total_cost/usd"]); got != jsonNum(t, row[prices.KeyUSD]) || string(summary[prices.KeyUnpriced]) != "0" {
		t.Errorf("summary total_cost/usd %v, unpriced_calls %s", got, summary[prices.KeyUnpriced])
	}
}

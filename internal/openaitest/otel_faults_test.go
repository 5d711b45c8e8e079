package openaitest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/internal/fakeweave"
	wandbonline "github.com/wbinstrument/wbinstrument/runtime/wandb/online"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// calls makes n chat calls.
func calls(t *testing.T, ai *fakeopenai.Server, n int) {
	t.Helper()
	c := clientOf(ai)
	for i := 0; i < n; i++ {
		if _, err := c.CreateChatCompletion(context.Background(), chatReq("gpt-4o-mini", "q"+itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSpansSurviveFaults: 500 bursts, 429 with Retry-After, resets, a
// hung receiver and an outage lose and double no span.
func TestSpansSurviveFaults(t *testing.T) {
	t.Setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4")
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "300") // the hung request
	ai, _, wv, dir := online(t, "faults")
	wv.Inject(fakeweave.Fail500, 3)
	wv.Inject(fakeweave.Throttle, 1)
	wv.Inject(fakeweave.Reset, 2)
	wv.Inject(fakeweave.Hang, 1)
	calls(t, ai, 20)
	if !wv.WaitSpans(20, 20*time.Second) {
		n, _ := wv.Spans()
		t.Fatalf("after the faults Weave holds %d of 20 spans", n)
	}
	wv.Down(true)
	calls(t, ai, 10)
	time.Sleep(300 * time.Millisecond) // a few refused retries
	wv.Down(false)
	wbopenai.Finish()
	if n, dup := wv.Spans(); n != 30 || dup != 0 {
		t.Fatalf("Weave got %d spans, %d duplicates; want 30 once each (%d requests)", n, dup, wv.Attempts())
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "wandb", "run-*"))
	if len(runs) != 1 || wbopenai.SpansPending(runs[0]) {
		t.Fatalf("spans left in the spool of %v", runs)
	}
	if wv.Attempts() < 30/4+7 {
		t.Errorf("%d requests: the faults were not all met", wv.Attempts())
	}
	assertNoKey(t, dir, wandbKey)
}

// TestSpansOutageSpool: an outage longer than the queue and the finish
// timeout keeps the spans on disk (bounded memory), and sync sends each
// once, however often it runs.
func TestSpansOutageSpool(t *testing.T) {
	t.Setenv("OTEL_BSP_MAX_QUEUE_SIZE", "8")
	t.Setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4")
	t.Setenv("WANDB_FINISH_TIMEOUT", "1s")
	ai, wb, wv, dir := online(t, "outage")
	wv.Down(true)
	calls(t, ai, 40)
	wbopenai.Finish()
	if n, _ := wv.Spans(); n != 0 {
		t.Fatalf("Weave took %d spans while down", n)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "wandb", "run-*"))
	if len(runs) != 1 || !wbopenai.SpansPending(runs[0]) {
		t.Fatalf("no spans kept in %v", runs)
	}
	if _, err := os.Stat(filepath.Join(runs[0], "files", "otel")); err == nil {
		t.Error("spans kept under files/, which is uploaded as run files")
	}
	// The run resolved its default entity online; the spool records it
	// for sync, which cannot ask once the run is marked synced.
	if e, p := wbopenai.SpansTarget(runs[0]); e != fakewandb.DefaultEntity || p != "outage" {
		t.Errorf("recorded target %s/%s", e, p)
	}
	wv.Down(false)
	for i := 0; i < 2; i++ {
		n, err := wbopenai.SyncSpans(context.Background(), runs[0], wbopenai.SpanSync{
			APIKey: wandbKey, BaseURL: wb.URL(), Endpoint: wv.URL()})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{40, 0}[i]; n != want {
			t.Errorf("sync %d sent %d spans, want %d", i+1, n, want)
		}
	}
	if n, dup := wv.Spans(); n != 40 || dup != 0 {
		t.Fatalf("Weave got %d spans, %d duplicates; want 40 once each", n, dup)
	}
	assertNoKey(t, dir, wandbKey)
}

// TestSpansOffline: an offline run keeps its spans in the run directory
// (outside files/) and sends nothing; W&B's sync of the run and
// SyncSpans then deliver them, with the run link, once.
func TestSpansOffline(t *testing.T) {
	wv := fakeweave.New(wandbKey)
	wb := fakewandb.New(wandbKey)
	defer wv.Close()
	defer wb.Close()
	e := start(t)
	calls(t, e.srv, 5)
	rd := e.finish()
	if wv.Attempts() != 0 {
		t.Fatal("an offline run sent spans")
	}
	run := filepath.Dir(rd.Path)
	spool := filepath.Join(run, filepath.FromSlash(wbopenai.SpoolName))
	if st, err := os.Stat(spool); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("spool %s: %v", spool, err)
	}
	res, err := wandbonline.Sync(context.Background(), run, wandbonline.SyncOptions{APIKey: wandbKey, BaseURL: wb.URL()})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := wbopenai.SyncSpans(context.Background(), run, wbopenai.SpanSync{
			APIKey: wandbKey, Endpoint: wv.URL(), Entity: res.Entity, Project: res.Project}); err != nil {
			t.Fatal(err)
		}
	}
	if n, dup := wv.Spans(); n != 5 || dup != 0 {
		t.Fatalf("Weave got %d spans, %d duplicates; want 5 once each", n, dup)
	}
	steps := map[int64]bool{}
	for _, s := range decodeAll(t, wv.Accepted()) {
		if s.attrs["wandb.wb_run_id"] != rd.Run.RunID || s.resource["wandb.project"] != "openaitest" || s.resource["wandb.entity"] != res.Entity {
			t.Errorf("run link %v, resource %v", s.attrs["wandb.wb_run_id"], s.resource)
		}
		steps[s.attrs["wandb.wb_run_step"].(int64)] = true
	}
	if len(steps) != 5 {
		t.Errorf("steps %v", steps)
	}
}

package view

import (
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/runtest"
)

// TestEstimatedUsage loads a run whose stream came from a server that
// ignores include_usage: the table row carries token counts counted with a
// tokenizer, marked estimated, where the run file holds none.
func TestEstimatedUsage(t *testing.T) {
	run, _ := runtest.Streams(t, runtest.Ask("nousage-gpt-4o", "Why is the sky blue?"), runtest.Ask("gpt-4o", "Why is the sky blue?"))
	snap, err := Load(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Calls) != 2 {
		t.Fatalf("%d calls, want 2", len(snap.Calls))
	}
	est, real := snap.row(0), snap.row(1)
	// 6 tokens of text, 1 of role, 3 per message and 3 of reply priming.
	if !est.Estimated || est.Prompt != 13 || est.Completion == 0 || est.Total != est.Prompt+est.Completion {
		t.Errorf("usage_missing call: %+v, want estimated 13 prompt tokens and a completion count", est)
	}
	if real.Estimated || real.Prompt == 0 {
		t.Errorf("call with usage: %+v, want the server's counts, not estimated", real)
	}
}

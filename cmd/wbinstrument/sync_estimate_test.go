package main

import (
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/runtest"
)

// TestSyncEstimatesMissingUsage logs a stream from a server that ignores
// include_usage through the real runtime, then syncs the run: the row W&B
// receives carries token counts marked as estimated, while the run file
// itself stays as written.
func TestSyncEstimatesMissingUsage(t *testing.T) {
	runDir, _ := runtest.Streams(t, runtest.Ask("nousage-gpt-4o", "Why is the sky blue?"))
	data, run := syncedRun(t, runDir)
	if len(data.History) != 1 || data.History[0]["usage/prompt_tokens"] != nil {
		t.Fatalf("the run file should hold one row without usage: %v", data.History)
	}
	rows, err := run.History()
	if err != nil || len(rows) != 1 {
		t.Fatalf("server rows: %v, %v", rows, err)
	}
	row := rows[0]
	if string(row["usage/estimated"]) != "true" {
		t.Errorf("usage/estimated = %s, want true", row["usage/estimated"])
	}
	// "Why is the sky blue?" is 6 tokens in o200k and its role "user" 1,
	// plus 3 for the message and 3 for the reply priming (OpenAI's cookbook).
	if string(row["usage/prompt_tokens"]) != "13" {
		t.Errorf("usage/prompt_tokens = %s, want 13", row["usage/prompt_tokens"])
	}
	if string(row["usage/total_tokens"]) == "" || string(row["usage/completion_tokens"]) == "0" {
		t.Errorf("completion/total not estimated: %s / %s", row["usage/completion_tokens"], row["usage/total_tokens"])
	}
}

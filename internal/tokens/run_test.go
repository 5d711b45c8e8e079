package tokens

import (
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/calls"
	"github.com/wbinstrument/wbinstrument/internal/runtest"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// TestRunWithoutUsage logs streams from a server that ignores
// include_usage through the real runtime, reads the run back and checks
// that the estimate counts exactly what the user sent and read.
func TestRunWithoutUsage(t *testing.T) {
	const model = "nousage-gpt-4o"
	msgs := []runtest.Message{
		{Role: "system", Content: "You answer in one sentence."},
		{Role: "user", Name: "alice", Content: "Why is the sky blue?"},
	}
	runDir, texts := runtest.Streams(t, runtest.Request{Model: model, Messages: msgs})
	rd, err := wandbfile.ReadRunDir(runDir)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := calls.FromRun(rd)
	if err != nil || len(cs) != 1 {
		t.Fatalf("calls: %d, %v", len(cs), err)
	}
	if !cs[0].UsageMissing() || cs[0].PromptTokens != 0 {
		t.Fatalf("the runtime did not mark usage missing: %+v", cs[0].Row)
	}

	// Independent count: the cookbook formula over what was sent, and the
	// text the user read.
	wantPrompt := 3 + Count(model, "system") + Count(model, msgs[0].Content) +
		3 + Count(model, "user") + Count(model, msgs[1].Content) + Count(model, "alice") + 1 + 3
	wantCompletion := Count(model, texts[0])
	if wantCompletion == 0 {
		t.Fatal("the stream carried no text")
	}
	if n := Fill(cs); n != 1 {
		t.Fatalf("Fill filled %d calls", n)
	}
	c := cs[0]
	if !c.Estimated || int(c.PromptTokens) != wantPrompt || int(c.CompletionTokens) != wantCompletion || c.TotalTokens != c.PromptTokens+c.CompletionTokens {
		t.Errorf("estimated %d+%d=%d (estimated=%v), want %d+%d", c.PromptTokens, c.CompletionTokens, c.TotalTokens, c.Estimated, wantPrompt, wantCompletion)
	}

	row, ok := EstimateRow(rd.History[indexOfTrace(rd)])
	if !ok || string(row["usage/prompt_tokens"]) != itoaS(wantPrompt) || string(row["usage/estimated"]) != "true" {
		t.Errorf("EstimateRow: ok=%v prompt=%s estimated=%s", ok, row["usage/prompt_tokens"], row["usage/estimated"])
	}
}

func indexOfTrace(rd *wandbfile.RunData) int {
	for i, h := range rd.History {
		if _, ok := h["trace"]; ok {
			return i
		}
	}
	return -1
}

func itoaS(n int) string { return string(itoa(n)) }

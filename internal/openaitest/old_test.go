package openaitest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/internal/runtest"
)

// TestOldGoOpenAI runs the v120 module's test (go-openai v1.20, the
// *http.Client era) in a subprocess against the fake server and checks
// the run it leaves: one row per call with the server's token counts.
func TestOldGoOpenAI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a second module")
	}
	srv := fakeopenai.New()
	defer srv.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "./...")
	cmd.Dir = "v120"
	cmd.Env = append(os.Environ(), "FAKEOPENAI_URL="+srv.URL(), "FAKEOPENAI_KEY="+secretKey,
		"WANDB_DIR="+dir, "WANDB_MODE=offline", "WANDB_SILENT=true", "GOFLAGS=-mod=readonly", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("v120 tests: %v\n%s", err, out)
	}
	rs := rows(runtest.ReadOneRun(t, dir, "offline-run-*"))
	if len(rs) != 2 || srv.Calls() != 2 {
		t.Fatalf("%d rows for %d calls, want 2", len(rs), srv.Calls())
	}
	prompt, completion := srv.Tokens()
	got := 0
	for _, r := range rs {
		got += r.int(t, "usage/prompt_tokens") + r.int(t, "usage/completion_tokens")
	}
	if got != prompt+completion {
		t.Fatalf("logged %d tokens, server served %d", got, prompt+completion)
	}
	if sp, _ := rs[1].trace(t); sp.attr("stream") != "true" || sp.Name != "CreateChatCompletionStream" {
		t.Errorf("stream span %s %v", sp.Name, sp.Attributes)
	}
	assertNoSecret(t, dir)
}

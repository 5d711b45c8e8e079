package reliability

import (
	"bufio"
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// TestFaultKill9 kills an instrumented program with SIGKILL halfway
// through 1,000 calls. The run file must read cleanly up to at most a torn
// last record, hold every call finished more than a second before the
// kill, and Sync must upload it as a crashed run.
func TestFaultKill9(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	dir := t.TempDir()
	const calls, killAt = 1000, 500
	cmd := programCmd(t, fake, "sk-kill-test-key-0000", "WANDB_MODE=offline", "WANDB_DIR="+dir,
		"FAULT_CALLS=1000", "FAULT_DELAY=3ms", "FAULT_PROMPT=count to three")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var done []time.Time // when each "ok" line was read
	sc := bufio.NewScanner(out)
	var killed time.Time
	deadline := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "ok ") {
			done = append(done, time.Now())
		}
		if len(done) == killAt && killed.IsZero() {
			killed = time.Now()
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
		}
	}
	werr := cmd.Wait()
	if killed.IsZero() {
		t.Fatalf("the program ended before the kill: %d calls, %v\n%s", len(done), werr, stderr.String())
	}
	beforeLastSecond := 0
	for _, at := range done {
		if at.Before(killed.Add(-time.Second)) {
			beforeLastSecond++
		}
	}
	rate := float64(len(done)) / killed.Sub(done[0]).Seconds()

	runDir := onlyRunDir(t, dir)
	rd, rerr := wandbfile.ReadRunDir(runDir)
	var ce *wandbfile.CorruptError
	tail := "clean end"
	if rerr != nil {
		if !errors.As(rerr, &ce) || !ce.Torn {
			t.Fatalf("the run file is damaged, not just torn at its end: %v", rerr)
		}
		tail = "torn last record at byte " + strconv.FormatInt(ce.Offset, 10)
	}
	if rd.Exit != nil {
		t.Errorf("a killed run has an exit record: %+v", rd.Exit)
	}
	rows := callRows(rd.History)
	if len(rows) < beforeLastSecond || len(rows) > len(done)+1 {
		t.Errorf("the run file holds %d calls; %d finished by the kill, %d of them more than 1s before", len(rows), len(done), beforeLastSecond)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		id := spanOf(t, r).attr("request_id")
		if seen[id] {
			t.Errorf("call %s logged twice", id)
		}
		seen[id] = true
	}

	wb := fakewandb.New(wandbKey)
	defer wb.Close()
	res, serr := online.Sync(context.Background(), runDir, online.SyncOptions{APIKey: wandbKey, BaseURL: wb.URL(),
		RetryBase: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, GiveUp: 20 * time.Second})
	if serr != nil && ce == nil {
		t.Fatalf("sync: %v", serr)
	}
	if res == nil {
		t.Fatalf("sync returned no result: %v", serr)
	}
	run, ok := wb.Run(fakewandb.DefaultEntity, "reliability", res.RunID)
	if !ok {
		t.Fatalf("the server has no run %s", res.RunID)
	}
	hist, _ := run.History()
	if !res.Crashed || !run.Complete || run.ExitCode == nil || *run.ExitCode == 0 {
		t.Errorf("sync: crashed=%v complete=%v exit=%v, want a crashed run with a non-zero exit code", res.Crashed, run.Complete, run.ExitCode)
	}
	if len(callRows(hist)) != len(rows) {
		t.Errorf("sync uploaded %d call rows, the file holds %d", len(callRows(hist)), len(rows))
	}
	t.Logf("SUMMARY kill -9: killed after %d of %d calls (%.0f calls/s); run file: %d calls decoded, %s, %d finished more than 1s before the kill; sync: %d rows uploaded, crashed=%v, exit code %v (%v)",
		len(done), calls, rate, len(rows), tail, beforeLastSecond, len(callRows(hist)), res.Crashed, deref(run.ExitCode), filepath.Base(runDir))
}

func deref(p *int) interface{} {
	if p == nil {
		return nil
	}
	return *p
}

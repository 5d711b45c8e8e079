package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

func TestViewHelpAndBadArgs(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"view", "-h"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "Examples:") || errb.Len() != 0 {
		t.Fatalf("view -h: code %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run([]string{"view", "a", "b"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "want at most one run directory") || !strings.Contains(errb.String(), "usage: wbinstrument view") || out.Len() != 0 {
		t.Fatalf("two arguments: code %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	errb.Reset()
	missing := filepath.Join(t.TempDir(), "nope")
	if code := run([]string{"view", "-port", "0", missing}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "no such run directory") {
		t.Fatalf("missing run: code %d, %s", code, errb.String())
	}
}

// TestViewServes starts the command on a run's wandb directory, which
// means its latest run, and asks the API for the overview.
func TestViewServes(t *testing.T) {
	dir := t.TempDir()
	r, err := wandb.Init(wandb.Options{Dir: dir, Mode: "offline", Silent: true, Project: "cli-view"})
	if err != nil {
		t.Fatal(err)
	}
	r.Finish()
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan int, 1)
	var out, errb bytes.Buffer
	go func() {
		done <- viewServe(ctx, filepath.Join(dir, "wandb"), 0, false, &out, &errb, func(u string) { urls <- u })
	}()
	var url string
	select {
	case url = <-urls:
	case code := <-done:
		t.Fatalf("view exited with %d: %s", code, errb.String())
	case <-time.After(10 * time.Second):
		t.Fatal("view did not start")
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("URL %q is not on 127.0.0.1", url)
	}
	resp, err := http.Get(url + "api/overview")
	if err != nil {
		t.Fatal(err)
	}
	var ov struct {
		Run struct{ Project string } `json:"run"`
	}
	json.NewDecoder(resp.Body).Decode(&ov)
	resp.Body.Close()
	if ov.Run.Project != "cli-view" {
		t.Fatalf("overview project %q", ov.Run.Project)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d after stop", code)
	}
}

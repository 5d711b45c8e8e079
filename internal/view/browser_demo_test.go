package view

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/checkout"
	"github.com/wbinstrument/wbinstrument/internal/demo"
)

// TestBrowserDemoRun opens, in headless Chromium, the run that the
// end-to-end demo makes: the example program rewritten, built and run
// against the fake OpenAI server. Its table shows every call with its call
// site, and the failed call's page shows the 429.
func TestBrowserDemoRun(t *testing.T) {
	bin := chromium(t)
	if testing.Short() {
		t.Skip("builds the demo program")
	}
	t.Parallel()
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	var log bytes.Buffer
	res, err := demo.Run(ctx, demo.Options{Root: root, WorkDir: filepath.Join(tmp, "prog"), WandbDir: filepath.Join(tmp, "runs"), Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	_, hs := newTestServer(t, res.RunDir)
	out := outDir(t)

	dom := browseSlot(t, bin, hs.URL+"/#table", "--dump-dom", "--window-size=1400,900", "--screenshot="+filepath.Join(out, "demo-table.png"))
	if !strings.Contains(dom, `data-ready="table"`) {
		t.Fatalf("table page never rendered:\n%s", tail(dom))
	}
	if n := strings.Count(dom, `<tr data-i="`); n != len(res.Calls) {
		t.Errorf("table shows %d rows, the run has %d calls", n, len(res.Calls))
	}
	for _, want := range []string{"main.go:52 main.ask", "main.go:65 main.stream", "CreateEmbeddings", "fail-429", `class="status ERROR"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("demo table lacks %q", want)
		}
	}

	failed := -1
	for i, c := range res.Calls {
		if c.Status == "ERROR" {
			failed = i
		}
	}
	if failed < 0 {
		t.Fatal("the demo run has no failed call")
	}
	dom = browseSlot(t, bin, hs.URL+"/#call="+strconv.Itoa(failed), "--dump-dom", "--window-size=1400,900", "--screenshot="+filepath.Join(out, "demo-call.png"))
	if !strings.Contains(dom, `id="callerror"`) || !strings.Contains(dom, "429") || !strings.Contains(dom, "hello?") {
		t.Errorf("the failed call's page lacks its error or its prompt:\n%s", tail(dom))
	}
	t.Logf("screenshots: %s", out)
}

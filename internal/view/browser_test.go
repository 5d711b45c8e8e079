package view

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium finds the headless browser, or skips the test loudly: the
// page is only really tested in a browser.
func chromium(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Skip("\n\n*** SKIPPING THE BROWSER TEST: no chromium found (apt-get install -y chromium).\n*** The viewer's page is NOT tested in a browser in this run.\n")
	return ""
}

// browse runs one headless Chromium on url with the extra flags, in a
// fresh profile, and returns its stdout.
func browse(t *testing.T, bin, url string, extra ...string) string {
	t.Helper()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir(),
		// Virtual time runs the page's fetches and timers to completion
		// before the dump or screenshot, without sleeping in real time.
		"--virtual-time-budget=10000"}
	args = append(args, extra...)
	args = append(args, url)
	// Chromium now and then dies of a signal on a loaded machine; that
	// says nothing of the page, so such a launch is tried once more.
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, bin, args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		cancel()
		if err == nil {
			return out.String()
		}
		var ee *exec.ExitError
		if attempt == 1 && errors.As(err, &ee) && !ee.Exited() && ctx.Err() == nil {
			t.Logf("chromium %s: %v; launching it again", url, err)
			continue
		}
		t.Fatalf("chromium %s: %v\n%s", url, err, errb.String())
	}
}

func outDir(t *testing.T) string {
	if d := os.Getenv("WBI_TEST_OUT"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// visit is one page load in the browser test: the DOM it dumps is
// checked by check; with shot set, the same launch also saves a
// screenshot (one Chromium launch costs seconds; the test used to spend
// one on each screenshot and one on each dump).
type visit struct {
	frag  string
	shot  string
	check func(t *testing.T, dom string)
}

func TestBrowser(t *testing.T) {
	bin := chromium(t)
	t.Parallel()
	_, hs := newTestServer(t, smallRun(t))
	base := hs.URL + "/"
	out := outDir(t)

	visits := []visit{
		{"#table", "table", func(t *testing.T, dom string) {
			if !strings.Contains(dom, `data-ready="table"`) {
				t.Fatalf("table page never rendered:\n%s", tail(dom))
			}
			if n := strings.Count(dom, `<tr data-i="`); n != 100 {
				t.Errorf("table shows %d rows, want a page of 100", n)
			}
			if !strings.Contains(dom, "Page 1 of 3 · 250 of 250 calls") {
				t.Errorf("pager text missing")
			}
			for _, want := range []string{"gpt-4o-mini", "/src/app/main.go:30 main.summarize", "CreateChatCompletionStream", `class="status ERROR"`} {
				if !strings.Contains(dom, want) {
					t.Errorf("table lacks %q", want)
				}
			}
		}},
		// A filtered, sorted table from the URL: only failed calls, slowest first.
		{"#table?status=ERROR&sort=latency&dir=desc", "", func(t *testing.T, dom string) {
			if n := strings.Count(dom, `<tr data-i="`); n != 15 || strings.Contains(dom, `class="status SUCCESS"`) {
				t.Errorf("ERROR filter: %d rows (want 15), success rows present: %v", n, strings.Contains(dom, `class="status SUCCESS"`))
			}
		}},
		// The call with the XSS prompt: the prompt is text, not markup.
		{"#call=1", "call", func(t *testing.T, dom string) {
			if !strings.Contains(dom, `data-ready="call"`) {
				t.Fatalf("call page never rendered:\n%s", tail(dom))
			}
			escaped := `&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;`
			if !strings.Contains(dom, escaped) {
				t.Errorf("the XSS prompt is not shown as text")
			}
			if regexp.MustCompile(`(?i)<img[^>]*src="?x`).MatchString(dom) || strings.Contains(dom, "<script>alert") {
				t.Errorf("the XSS prompt became markup")
			}
			for _, want := range []string{"Answer 1: the capital is City 1.", "x-ratelimit-remaining-requests", "req_000001", "Stats table"} {
				if !strings.Contains(dom, want) {
					t.Errorf("call page lacks %q", want)
				}
			}
		}},
		{"#call=5", "", func(t *testing.T, dom string) {
			if !strings.Contains(dom, `id="callerror"`) || !strings.Contains(dom, "rate_limit_exceeded") {
				t.Errorf("failed call page shows no error")
			}
		}},
		{"#timeline", "timeline", func(t *testing.T, dom string) {
			if n := strings.Count(dom, `class="bar"`); !strings.Contains(dom, `data-ready="timeline"`) || n != smallN {
				t.Errorf("timeline: ready %v, %d bars, want %d", strings.Contains(dom, `data-ready="timeline"`), n, smallN)
			}
		}},
		{"#models", "models", func(t *testing.T, dom string) {
			if !strings.Contains(dom, `data-ready="models"`) || !strings.Contains(dom, `data-model="my-custom-model"`) || !strings.Contains(dom, "gpt-4o-2024-08-06") {
				t.Errorf("models page incomplete")
			}
		}},
		{"#overview", "overview", func(t *testing.T, dom string) {
			if !strings.Contains(dom, `data-ready="overview"`) || !strings.Contains(dom, "fixture-run") || !strings.Contains(dom, "exit code 0") {
				t.Errorf("overview page incomplete")
			}
		}},
	}
	for _, v := range visits {
		v := v
		t.Run(v.frag, func(t *testing.T) {
			t.Parallel()
			extra := []string{"--dump-dom", "--window-size=1400,900"}
			png := ""
			if v.shot != "" {
				png = filepath.Join(out, "view-"+v.shot+".png")
				extra = append(extra, "--screenshot="+png)
			}
			v.check(t, browseSlot(t, bin, base+v.frag, extra...))
			if png == "" {
				return
			}
			st, err := os.Stat(png)
			if err != nil || st.Size() < 10000 {
				t.Errorf("screenshot %s: %v (size %d)", png, err, sizeOf(st))
				return
			}
			t.Logf("screenshot %s: %s", v.shot, png)
		})
	}
}

// TestBrowserBadRun shows the error page for a file that is not a run,
// and a torn run's calls under a banner.
func TestBrowserBadRun(t *testing.T) {
	bin := chromium(t)
	t.Parallel()
	t.Run("not a run", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "run-x.wandb"), []byte("not a run"), 0o644)
		s, _ := New(dir)
		hs := httptest.NewServer(s)
		defer hs.Close()
		dom := browseSlot(t, bin, hs.URL+"/#table", "--dump-dom")
		if !strings.Contains(dom, `data-ready="error"`) || !strings.Contains(dom, "Cannot show this run") || !strings.Contains(dom, "not a .wandb log") {
			t.Fatalf("bad run page:\n%s", tail(dom))
		}
	})
	t.Run("torn", func(t *testing.T) {
		t.Parallel()
		torn, keep := tornCopy(t, smallRun(t))
		s2, _ := New(torn)
		hs2 := httptest.NewServer(s2)
		defer hs2.Close()
		dom := browseSlot(t, bin, hs2.URL+"/#table", "--dump-dom")
		if !strings.Contains(dom, `id="corrupt-banner"`) || !strings.Contains(dom, "Showing the 240 calls") || keep != 240 {
			t.Fatalf("torn run banner missing (keep %d):\n%s", keep, tail(dom))
		}
	})
}

// browserSlots lets two browsers run at a time: a launch spends much of
// its time waiting, and more than two would only compete for the cores.
var browserSlots = make(chan struct{}, 2)

func browseSlot(t *testing.T, bin, url string, extra ...string) string {
	t.Helper()
	browserSlots <- struct{}{}
	defer func() { <-browserSlots }()
	return browse(t, bin, url, extra...)
}

func sizeOf(st os.FileInfo) int64 {
	if st == nil {
		return 0
	}
	return st.Size()
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}

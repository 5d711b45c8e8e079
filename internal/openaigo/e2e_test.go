package openaigo

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/internal/runtest"
	"github.com/wbinstrument/wbinstrument/internal/testtree"
	"github.com/wbinstrument/wbinstrument/rewriter"
)

// secretKey is the key the program sends; no logged byte may hold it.
const secretKey = "sk-openaigo-SECRET-0a1b2c3d"

func goBuild(t *testing.T, dir, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v\n%s", dir, err, b)
	}
}

// run runs the program against the fake and returns its stdout and the
// requests the fake received meanwhile.
func run(t *testing.T, srv *fakeopenai.Server, bin string, env ...string) (string, []fakeopenai.Request) {
	t.Helper()
	before := len(srv.Requests())
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), append([]string{"OPENAI_BASE_URL=" + srv.URL(), "OPENAI_API_KEY=" + secretKey}, env...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, stderr.String())
	}
	return stdout.String(), srv.Requests()[before:]
}

// siteOf is the call site of the call on the program's line holding needle.
func siteOf(t *testing.T, src, needle string) string {
	t.Helper()
	for i, line := range strings.Split(src, "\n") {
		if strings.Contains(line, needle) {
			return "main.go:" + itoa(i+1) + " main.main"
		}
	}
	t.Fatalf("no line holds %q", needle)
	return ""
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestOpenAIGoEndToEnd builds an openai-go program plain and rewritten,
// runs both against the fake server, and checks that the program and the
// server see the same thing and that every logical call is one row: with
// v3 (testdata/program) and v1 (testdata/programv1).
func TestOpenAIGoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs with openai-go")
	}
	for _, prog := range []string{"program", "programv1"} {
		t.Run(prog, func(t *testing.T) { endToEnd(t, filepath.Join("testdata", prog)) })
	}
}

// v1Source is testdata/program's main.go on openai-go v1's module path.
// The v1 API the program uses is the same, so testdata/programv1 holds
// only its go.mod and go.sum and is tested with this source rather than a
// copy that would have to be kept in step by hand.
func v1Source(t *testing.T) []byte {
	src, err := os.ReadFile(filepath.Join("testdata", "program", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(src, []byte(`"github.com/openai/openai-go/v3`), []byte(`"github.com/openai/openai-go`))
}

func endToEnd(t *testing.T, program string) {
	root, _ := filepath.Abs("../..")
	srv := fakeopenai.New()
	defer srv.Close()
	dir := t.TempDir()
	testtree.Copy(t, program, dir)
	if filepath.Base(program) == "programv1" {
		if err := os.WriteFile(filepath.Join(dir, "main.go"), v1Source(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, _ := os.ReadFile(filepath.Join(dir, "main.go"))
	bins := t.TempDir()

	goBuild(t, dir, filepath.Join(bins, "plain"))
	plainOut, plainReqs := run(t, srv, filepath.Join(bins, "plain"))

	rep, err := rewriter.Rewrite(context.Background(), rewriter.Options{Dir: dir, Replace: root, SkipGenerated: true})
	if err != nil {
		t.Fatalf("rewrite: %v", err)
	}
	rewritten := 0
	for _, s := range rep.Sites {
		if s.Action == rewriter.ActionRewritten {
			rewritten++
		}
	}
	// The instrumented NewClient and 9 service calls; the library's
	// NewClient and the call on the ignored line are left alone.
	if rewritten != 10 {
		t.Errorf("%d sites rewritten, want 10: %+v", rewritten, rep.Sites)
	}
	goBuild(t, dir, filepath.Join(bins, "instrumented"))
	p0, c0 := srv.Tokens()
	wdir := t.TempDir()
	instOut, instReqs := run(t, srv, filepath.Join(bins, "instrumented"), "WANDB_DIR="+wdir, "WANDB_MODE=offline", "WANDB_SILENT=true")
	p1, c1 := srv.Tokens()

	if plainOut != instOut {
		t.Errorf("stdout differs:\nplain:\n%s\ninstrumented:\n%s", plainOut, instOut)
	}
	if !strings.Contains(plainOut, `stream: "`) || !strings.Contains(plainOut, "usage=0 ") {
		t.Errorf("unexpected program output:\n%s", plainOut)
	}
	compareRequests(t, plainReqs, instReqs)

	rd := runtest.ReadOneRun(t, wdir, "offline-run-*")
	var rows []map[string]json.RawMessage
	for _, h := range rd.History {
		if _, ok := h["trace"]; ok {
			rows = append(rows, h)
		}
	}
	want := []struct {
		needle   string
		method   string
		status   string
		attempts int
		tokens   bool
	}{
		{`"chat plain"`, "ChatCompletionService.New", "SUCCESS", 0, true},
		{`"stream without usage"`, "ChatCompletionService.NewStreaming", "SUCCESS", 0, true},
		{`NewStreaming(ctx, p)`, "ChatCompletionService.NewStreaming", "SUCCESS", 0, true},
		{`"responses plain"`, "ResponseService.New", "SUCCESS", 0, true},
		{`"responses stream"`, "ResponseService.NewStreaming", "SUCCESS", 0, true},
		{`"embed me"`, "EmbeddingService.New", "SUCCESS", 0, true},
		{`"recovers after a retry"`, "ChatCompletionService.New", "SUCCESS", 2, true},
		{`"fails after its retries"`, "ChatCompletionService.New", "ERROR", 2, false},
		{`"library client"`, "ChatCompletionService.New", "SUCCESS", 0, true},
		{`"ignored line"`, "ChatCompletionService.New", "SUCCESS", 3, true},
	}
	if len(rows) != len(want) {
		for _, r := range rows {
			sp := rootSpan(t, r)
			t.Logf("row: %s %s %s %d", sp.Name, attr(sp, "call_site"), sp.StatusCode, len(sp.ChildSpans))
		}
		t.Fatalf("%d rows, want %d (one per logical call)", len(rows), len(want))
	}
	for i, w := range want {
		r := rows[i]
		sp := rootSpan(t, r)
		site := siteOf(t, string(src), w.needle)
		if got := attr(sp, "call_site"); got != site {
			t.Errorf("row %d (%s): call site %q, want %q", i, w.needle, got, site)
		}
		if sp.Name != w.method || sp.StatusCode != w.status || len(sp.ChildSpans) != w.attempts {
			t.Errorf("row %d (%s): %s %s with %d attempts, want %s %s with %d", i, w.needle, sp.Name, sp.StatusCode, len(sp.ChildSpans), w.method, w.status, w.attempts)
		}
		if _, ok := r["usage/total_tokens"]; ok != w.tokens {
			t.Errorf("row %d (%s): usage/total_tokens present %v, want %v", i, w.needle, ok, w.tokens)
		}
		if attr(sp, "model") == "" {
			t.Errorf("row %d (%s): no model", i, w.needle)
		}
	}
	var sp, sc int
	json.Unmarshal(rd.Summary["tokens/prompt"], &sp)
	json.Unmarshal(rd.Summary["tokens/completion"], &sc)
	if sp != p1-p0 || sc != c1-c0 {
		t.Errorf("summary tokens %d+%d, the server served %d+%d", sp, sc, p1-p0, c1-c0)
	}
	// No byte of the run holds the key.
	filepath.Walk(filepath.Dir(rd.Path), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(secretKey)) {
				t.Errorf("%s holds the API key", p)
			}
		}
		return nil
	})

	// Revert gives the program back.
	if _, err := rewriter.Revert(context.Background(), rewriter.Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	back, _ := os.ReadFile(filepath.Join(dir, "main.go"))
	if !bytes.Equal(back, src) {
		t.Errorf("revert did not restore main.go")
	}
}

// compareRequests checks that the server saw the same attempts, apart
// from the include_usage option the runtime adds to streams.
func compareRequests(t *testing.T, plain, inst []fakeopenai.Request) {
	t.Helper()
	if len(plain) != len(inst) {
		t.Fatalf("server saw %d requests plain, %d instrumented", len(plain), len(inst))
	}
	for i := range plain {
		a, b := plain[i], inst[i]
		body := b.Body
		if !bytes.Equal(a.Body, body) {
			body = bytes.Replace(b.Body, []byte(`,"stream_options":{"include_usage":true}`), nil, 1)
		}
		if a.Method != b.Method || a.Path != b.Path || a.Query != b.Query || !bytes.Equal(a.Body, body) {
			t.Errorf("request %d: plain %s %s %s, instrumented %s %s %s", i, a.Method, a.Path, a.Body, b.Method, b.Path, b.Body)
		}
		ha, hb := a.Header.Clone(), b.Header.Clone()
		for _, h := range []http.Header{ha, hb} {
			h.Del("Content-Length")
		}
		if !reflect.DeepEqual(ha, hb) {
			t.Errorf("request %d headers: plain %v, instrumented %v", i, ha, hb)
		}
	}
}

type span struct {
	Name       string                     `json:"name"`
	StatusCode string                     `json:"status_code"`
	Attributes map[string]json.RawMessage `json:"attributes"`
	ChildSpans []json.RawMessage          `json:"child_spans"`
}

func rootSpan(t *testing.T, r map[string]json.RawMessage) *span {
	t.Helper()
	var tr struct {
		Root string `json:"root_span_dumps"`
	}
	if err := json.Unmarshal(r["trace"], &tr); err != nil {
		t.Fatal(err)
	}
	var sp span
	if err := json.Unmarshal([]byte(tr.Root), &sp); err != nil {
		t.Fatal(err)
	}
	return &sp
}

func attr(sp *span, key string) string {
	var s string
	json.Unmarshal(sp.Attributes[key], &s)
	return s
}

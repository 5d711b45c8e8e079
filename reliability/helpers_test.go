package reliability

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/checkout"
	"github.com/wbinstrument/wbinstrument/internal/demo"
	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// root is the wbinstrument checkout.
func root(t testing.TB) string {
	t.Helper()
	r, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// buildDir holds binaries built once per test process.
var buildDir = func() func(t testing.TB) string {
	var once sync.Once
	var dir string
	var err error
	return func(t testing.TB) string {
		once.Do(func() { dir, err = os.MkdirTemp("", "wbi-reliability-") })
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
}()

func TestMain(m *testing.M) {
	code := m.Run()
	if d := buildDir(nil); d != "" {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// builtOnce returns a function that runs build the first time it is
// called in the test process and returns its result from then on, failing
// the calling test when build failed: the binaries the tests share.
func builtOnce(build func(t testing.TB) (string, error)) func(t testing.TB) string {
	var once sync.Once
	var bin string
	var err error
	return func(t testing.TB) string {
		t.Helper()
		once.Do(func() { bin, err = build(t) })
		if err != nil {
			t.Fatal(err)
		}
		return bin
	}
}

// cli builds cmd/wbinstrument once.
var cli = builtOnce(func(t testing.TB) (string, error) {
	bin := filepath.Join(buildDir(t), "wbinstrument")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/wbinstrument")
	cmd.Dir = root(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the CLI: %v\n%s", err, out)
	}
	return bin, nil
})

// runCLI runs the CLI in dir and returns its exit code and output.
func runCLI(t testing.TB, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(cli(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running wbinstrument %v: %v", args, err)
	}
	return code, stdout.String(), stderr.String()
}

// goOpenAISum returns the go.sum lines of the go-openai version the
// fault programs pin.
func goOpenAISum(t testing.TB) string {
	t.Helper()
	return string(demo.GoSum())
}

// writeModule writes a module requiring go-openai with the given files.
func writeModule(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	files["go.mod"] = "module example.com/fault\n\ngo 1.22\n\nrequire github.com/sashabaranov/go-openai " + demo.GoOpenAIVersion + "\n"
	files["go.sum"] = goOpenAISum(t)
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// programSource is the instrumented program of the process-death, disk
// and secrets tests: FAULT_CALLS chat calls with FAULT_PROMPT, FAULT_DELAY
// apart, one stdout line per call, as a real batch job would make them;
// with FAULT_AZURE set, to Azure OpenAI (key in the api-key header); with
// FAULT_PANIC set, main panics after the calls.
const programSource = `package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	n, _ := strconv.Atoi(os.Getenv("FAULT_CALLS"))
	delay, _ := time.ParseDuration(os.Getenv("FAULT_DELAY"))
	cfg := openai.DefaultConfig(os.Getenv("OPENAI_API_KEY"))
	cfg.BaseURL = os.Getenv("OPENAI_BASE_URL")
	if os.Getenv("FAULT_AZURE") != "" {
		cfg = openai.DefaultAzureConfig(os.Getenv("OPENAI_API_KEY"), os.Getenv("OPENAI_BASE_URL"))
	}
	client := openai.NewClientWithConfig(cfg)
	ctx := context.Background()
	for i := 0; i < n; i++ {
		resp, err := client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
			Model:    openai.GPT4oMini,
			Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: os.Getenv("FAULT_PROMPT")}},
		})
		if err != nil {
			fmt.Printf("error %d: %v\n", i, err)
		} else {
			fmt.Printf("ok %d %s %d\n", i, resp.ID, resp.Usage.TotalTokens)
		}
		time.Sleep(delay)
	}
	fmt.Printf("done %d\n", n)
	if msg := os.Getenv("FAULT_PANIC"); msg != "" {
		panic(msg)
	}
}
`

// program builds programSource, instrumented with the CLI's rewrite
// -replace, once per test process.
var program = builtOnce(func(t testing.TB) (string, error) {
	dir := filepath.Join(buildDir(t), "program")
	writeModule(t, dir, map[string]string{"main.go": programSource})
	if code, out, errOut := runCLI(t, dir, nil, "rewrite", "-replace", root(t), "."); code != 0 {
		return "", fmt.Errorf("rewrite of the test program: exit %d\n%s%s", code, out, errOut)
	}
	bin := filepath.Join(dir, "program")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the test program: %v\n%s", err, out)
	}
	return bin, nil
})

// programCmd is the command that runs the test program (see program)
// against the fake OpenAI server with API key key, logging to project
// "reliability", with env (the FAULT_* settings, where and how to log).
func programCmd(t testing.TB, fake *fakeopenai.Server, key string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(program(t))
	cmd.Env = append(append(cleanEnv(), "OPENAI_BASE_URL="+fake.URL(), "OPENAI_API_KEY="+key, "WANDB_PROJECT=reliability"), env...)
	return cmd
}

// cleanEnv is the process environment without WANDB_* and OPENAI_*
// variables a developer may have set, so tests see only their own.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "WANDB_") || strings.HasPrefix(kv, "OPENAI_") || strings.HasPrefix(kv, "WBINSTRUMENT_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// wandbEnv clears the WANDB_* variables for in-process runs and shortens
// the online sender's timing so faults recover in milliseconds.
func wandbEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k := strings.SplitN(kv, "=", 2)[0]; strings.HasPrefix(k, "WANDB_") || strings.HasPrefix(k, "WBINSTRUMENT_") {
			t.Setenv(k, "")
		}
	}
	t.Setenv("WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL", "0.05")
	t.Setenv("WANDB_X_FILE_STREAM_RETRY_WAIT_MIN_SECONDS", "0.02")
	t.Setenv("WANDB_X_FILE_STREAM_RETRY_WAIT_MAX_SECONDS", "0.1")
	t.Setenv("WANDB_X_FILE_STREAM_TIMEOUT_SECONDS", "0.5")
}

// treeHash maps every entry under dir (not following symlinks) to its
// mode and the hash of its content or link target.
func treeHash(t testing.TB, dir string) map[string]string {
	t.Helper()
	h := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		var content []byte
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			content = []byte("link:" + target)
		case info.Mode().IsRegular():
			if content, err = os.ReadFile(p); err != nil {
				return err
			}
		}
		sum := sha256.Sum256(content)
		h[rel] = info.Mode().String() + " " + hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatalf("hashing %s: %v", dir, err)
	}
	return h
}

// diffTrees lists entries that differ between two tree hashes.
func diffTrees(a, b map[string]string) []string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, k+" (new)")
		}
	}
	sort.Strings(d)
	return d
}

// callRows returns the history rows of a run that log calls (they carry
// a trace).
func callRows(rows []map[string]json.RawMessage) []map[string]json.RawMessage {
	var out []map[string]json.RawMessage
	for _, r := range rows {
		if _, ok := r["trace"]; ok {
			out = append(out, r)
		}
	}
	return out
}

// rootSpan decodes a row's trace root span.
type rootSpan struct {
	StatusCode    string                     `json:"status_code"`
	StatusMessage *string                    `json:"status_message"`
	Attributes    map[string]json.RawMessage `json:"attributes"`
}

func spanOf(t testing.TB, row map[string]json.RawMessage) rootSpan {
	t.Helper()
	var tr struct {
		Root string `json:"root_span_dumps"`
	}
	var sp rootSpan
	if err := json.Unmarshal(row["trace"], &tr); err != nil {
		t.Fatalf("trace %s: %v", row["trace"], err)
	}
	if err := json.Unmarshal([]byte(tr.Root), &sp); err != nil {
		t.Fatalf("root span %s: %v", tr.Root, err)
	}
	return sp
}

func (s rootSpan) attr(key string) string {
	var v string
	if json.Unmarshal(s.Attributes[key], &v) != nil {
		return string(s.Attributes[key])
	}
	return v
}

// onlyRunDir returns the single run directory under dir/wandb.
func onlyRunDir(t testing.TB, dir string) string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(dir, "wandb", "*run-*"))
	if len(dirs) != 1 {
		t.Fatalf("want one run directory under %s/wandb, found %v", dir, dirs)
	}
	return dirs[0]
}

// readRun reads a run directory and fails on anything but a clean log.
func readRun(t testing.TB, dir string) *wandbfile.RunData {
	t.Helper()
	rd, err := wandbfile.ReadRunDir(dir)
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	return rd
}

func quantile(d []time.Duration, q float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(q*float64(len(s)-1))]
}

func itoa(n int) string { return strconv.Itoa(n) }

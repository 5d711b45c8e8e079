package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/wbinstrument/wbinstrument/internal/calls"
	"github.com/wbinstrument/wbinstrument/internal/checkout"
	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/rewriter"
	"github.com/wbinstrument/wbinstrument/runtime/otlp"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// Options configures Run.
type Options struct {
	Root string // the wbinstrument checkout (see checkout.Root), or "" for RuntimeVersion
	// RuntimeVersion is the published runtime a released tool requires
	// when Root is "".
	RuntimeVersion string
	WorkDir        string    // where the example program is written; must be empty or absent
	WandbDir       string    // WANDB_DIR of the program: the run lands in WandbDir/wandb/
	Log            io.Writer // progress lines; the program's stderr goes here too
	SDK            string    // SDKGoOpenAI (the default when empty) or SDKOpenAIGo
}

// Result is what one demo run produced.
type Result struct {
	Output []byte             // the instrumented program's stdout
	Report *rewriter.Report   // what the rewrite did
	RunDir string             // the offline run directory the program wrote
	Run    *wandbfile.RunData // the run, read back from its .wandb file
	Calls  []calls.Call       // the run's rows, decoded
	// Command is how the user runs wbinstrument, for the hints printed
	// after the summary: "go run ./cmd/wbinstrument" or "wbinstrument".
	Command string
	// What the fake server answered: calls and token totals.
	ServerCalls, Prompt, Completion int
}

// Run writes the example program to opts.WorkDir, rewrites it, builds it,
// runs it against a fresh fake OpenAI server and reads back its run.
func Run(ctx context.Context, opts Options) (*Result, error) {
	logf := func(format string, args ...interface{}) { fmt.Fprintf(opts.Log, format+"\n", args...) }
	if err := writeProgram(opts.WorkDir, opts.SDK); err != nil {
		return nil, err
	}
	logf("demo: wrote the example program to %s", opts.WorkDir)

	rep, err := rewriter.Rewrite(ctx, rewriter.Options{
		Dir:            opts.WorkDir,
		Patterns:       []string{"./..."},
		Replace:        opts.Root,
		RuntimeVersion: opts.RuntimeVersion,
	})
	if err != nil {
		return nil, fmt.Errorf("rewrite: %v", err)
	}
	logf("demo: rewrote it: %s", rep.Summary())

	bin, err := Build(ctx, opts.WorkDir)
	if err != nil {
		return nil, err
	}
	srv := fakeopenai.New()
	defer srv.Close()
	logf("demo: fake OpenAI server on %s", srv.URL())

	before := latestRun(opts.WandbDir)
	out, err := Exec(ctx, bin, ProgramEnv(srv.URL(), opts.WandbDir), opts.Log)
	if err != nil {
		return nil, err
	}
	runDir := latestRun(opts.WandbDir)
	if runDir == "" || runDir == before {
		return nil, fmt.Errorf("the program wrote no new run under %s", filepath.Join(opts.WandbDir, "wandb"))
	}
	data, err := wandbfile.ReadRunDir(runDir)
	if err != nil {
		return nil, fmt.Errorf("reading the run back: %v", err)
	}
	cs, err := calls.FromRun(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", data.Path, err)
	}
	res := &Result{Output: out, Report: rep, RunDir: runDir, Run: data, Calls: cs, ServerCalls: srv.Calls(), Command: selfCommand()}
	res.Prompt, res.Completion = srv.Tokens()
	return res, nil
}

// ProgramEnv is the environment the example program runs with: the fake
// server, a fake key, and an offline run under wandbDir.
func ProgramEnv(baseURL, wandbDir string) []string {
	return []string{
		"OPENAI_BASE_URL=" + baseURL,
		"OPENAI_API_KEY=" + DemoAPIKey,
		"WANDB_MODE=offline",
		"WANDB_DIR=" + wandbDir,
		"WANDB_PROJECT=wbinstrument-demo",
	}
}

// latestRun returns the run directory wandbDir/wandb/latest-run points at.
func latestRun(wandbDir string) string {
	dir, err := filepath.EvalSymlinks(filepath.Join(wandbDir, "wandb", "latest-run"))
	if err != nil {
		return ""
	}
	return dir
}

// PrintSummary writes what the run logged, as read back from its file.
func PrintSummary(w io.Writer, r *Result) {
	id := "?"
	if r.Run.Run != nil {
		id = r.Run.Run.RunID
	}
	fmt.Fprintf(w, "\nLogged to W&B run %s (offline), read back from\n  %s\n\n", id, r.Run.Path)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  step\tmethod\tcall site\tmodel\tstatus\tprompt\tcompl.\ttotal\tseconds\tcost $")
	for _, c := range r.Calls {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%.4f\t%s\n", c.Step, c.Method, c.Site, c.Model, c.Status,
			c.PromptTokens, c.CompletionTokens, c.TotalTokens, c.ElapsedSeconds, costText(&c))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nSummary:")
	for _, k := range []string{"calls", "errors", "tokens/prompt", "tokens/completion", "tokens/total", "total_cost/usd", "unpriced_calls"} {
		v, ok := r.Run.Summary[k]
		if !ok {
			continue
		}
		if f, err := strconv.ParseFloat(string(v), 64); err == nil && k == "total_cost/usd" {
			v = []byte(strconv.FormatFloat(f, 'f', 8, 64))
		}
		fmt.Fprintf(w, " %s=%s", k, v)
	}
	exit := "none (the run did not finish)"
	if r.Run.Exit != nil {
		exit = fmt.Sprint(r.Run.Exit.ExitCode)
	}
	fmt.Fprintf(w, "; exit code %s\nThe fake server answered %d calls (%d prompt + %d completion tokens).\n\n", exit, r.ServerCalls, r.Prompt, r.Completion)
	if spans, _, err := otlp.ReadSpool(filepath.Join(r.RunDir, filepath.FromSlash(wbopenai.SpoolName)), 0); err == nil && len(spans) > 0 {
		fmt.Fprintf(w, "Spans:       %d OpenTelemetry GenAI spans, one per call, kept in %s for W&B Weave\n", len(spans), filepath.Join(r.RunDir, "otel"))
	}
	fmt.Fprintf(w, "Look at it:  %s view %s\n", r.Command, r.RunDir)
	fmt.Fprintf(w, "Upload it:   WANDB_API_KEY=... %s sync %s   (the run, then its spans to Weave)\n", r.Command, r.RunDir)
	fmt.Fprintf(w, "             (or, with the Python client: wandb sync %s, without the spans)\n", r.RunDir)
}

// costText is a row's logged cost (cost/usd), "-" for a call without one
// (a failed call, a model the price table does not know).
func costText(c *calls.Call) string {
	if !c.HasCost {
		return "-"
	}
	return strconv.FormatFloat(c.CostUSD, 'f', 8, 64)
}

// selfCommand is how the user ran this binary: a `go run` build lives in
// the go command's temporary work directory and is gone afterwards.
func selfCommand() string {
	// Under go tool, the main module is the user's, and the binary sits
	// in the build cache like a go run binary.
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Path != checkout.ModulePath {
		return "go tool wbinstrument"
	}
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "go run ./cmd/wbinstrument"
	}
	return "wbinstrument"
}

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/wbinstrument/wbinstrument/internal/checkout"
	"github.com/wbinstrument/wbinstrument/internal/modproxy"
	"github.com/wbinstrument/wbinstrument/internal/testtree"
	"github.com/wbinstrument/wbinstrument/rewriter"
)

// TestRelease does what a user on another machine does with a release:
// this checkout is published at releaseVersion on a file-based module
// proxy (the root module and runtime/, as RELEASING.md tags them), and,
// with a fresh GOPATH and module cache, no GOFLAGS and no workspace, the
// tool is installed with go install and with go get -tool, and a copy of
// a real program from ../shared/corpus is rewritten, built, vetted and
// reverted. The README's user install section is these commands.
func TestRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the tool and builds a real program")
	}
	corpus := filepath.Join("..", "..", "..", "shared", "corpus", "j178__chatgpt")
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("!!! SKIPPING TestRelease: %s is not here (%v): the release check did NOT run !!!", corpus, err)
	}
	start := time.Now()
	repo := repoRoot(t)
	tmp := t.TempDir()
	u := newUser(t, tmp, publish(t, repo, filepath.Join(tmp, "proxy")))
	const version = releaseVersion

	// go install ...@version, as the README's first install line.
	u.run(tmp, "go", "install", rewriter.ToolPackage+"@"+version)
	bin := filepath.Join(u.gopath, "bin", "wbinstrument")
	if got := u.run(tmp, bin, "version"); got != "wbinstrument "+version+"\n" {
		t.Fatalf("wbinstrument version printed %q, want %q", got, "wbinstrument "+version+"\n")
	}
	t.Logf("installed in %v", time.Since(start).Round(time.Second))

	// The demo, a new user's first command, with the published runtime.
	out := u.run(tmp, bin, "demo", "-dir", filepath.Join(tmp, "demo"))
	if !strings.Contains(out, "CreateChatCompletionStream") || !strings.Contains(out, "SUCCESS") {
		t.Fatalf("wbinstrument demo printed:\n%s", out)
	}
	t.Logf("demo done in %v", time.Since(start).Round(time.Second))

	prog := filepath.Join(tmp, "installed")
	testtree.Copy(t, corpus, prog)
	before := snapshot(t, prog)
	u.run(prog, bin, "rewrite", "./...")
	u.checkInstrumented(prog, version, repo, tmp)
	if out := u.run(prog, bin, "rewrite", "-l", "./..."); out != "" {
		t.Fatalf("a second rewrite would change:\n%s", out)
	}
	u.run(prog, bin, "revert", "./...")
	sameTree(t, before, snapshot(t, prog))
	t.Logf("go install path done in %v", time.Since(start).Round(time.Second))

	// go get -tool, go tool and go generate, as the README recommends.
	prog = filepath.Join(tmp, "tool")
	testtree.Copy(t, corpus, prog)
	reqBefore := requirements(t, prog)
	u.run(prog, "go", "get", "-tool", rewriter.ToolPackage+"@"+version)
	// The tool's dependencies join the module graph (golang.org/x/tools
	// and what it requires), so go.sum needs their lines for the
	// program's own packages too: the README says to run go mod tidy.
	u.run(prog, "go", "mod", "tidy")
	reqAfter := requirements(t, prog)
	const goOpenAI = "github.com/sashabaranov/go-openai"
	if reqAfter[goOpenAI] != reqBefore[goOpenAI] {
		t.Fatalf("go get -tool changed the program's go-openai from %s to %s", reqBefore[goOpenAI], reqAfter[goOpenAI])
	}
	for m, v := range reqBefore {
		if reqAfter[m] != v {
			t.Logf("go get -tool raised %s from %s to %s (a dependency of the tool's)", m, v, reqAfter[m])
		}
	}
	if got := u.run(prog, "go", "tool", "wbinstrument", "version"); got != "wbinstrument "+version+"\n" {
		t.Fatalf("go tool wbinstrument version printed %q", got)
	}
	gen := filepath.Join(prog, "wbinstrument_generate.go")
	if err := os.WriteFile(gen, []byte("package chatgpt\n\n//go:generate go tool wbinstrument rewrite ./...\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before = snapshot(t, prog)
	u.run(prog, "go", "generate", "./...")
	u.checkInstrumented(prog, version, repo, tmp)
	u.run(prog, "go", "tool", "wbinstrument", "revert", "./...")
	sameTree(t, before, snapshot(t, prog))
	t.Logf("go get -tool path done in %v", time.Since(start).Round(time.Second))
}

// publish puts the root module, runtime/ and runtime/otelbridge/ (the
// runtime's OpenTelemetry bridge) at releaseVersion on a
// file-based proxy in dir, from the files git tracks (or would: a new
// file not yet committed counts), as a tag of this commit would give.
func publish(t *testing.T, repo, dir string) string {
	t.Helper()
	stage := filepath.Join(t.TempDir(), "root")
	out, err := exec.Command("git", "-C", repo, "ls-files", "--cached", "--others", "--exclude-standard", "-z").Output()
	if err != nil {
		t.Fatalf("listing the checkout's files with git: %v", err)
	}
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(repo, rel)
		fi, err := os.Lstat(src)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, or not a file
		}
		copyFile(t, src, filepath.Join(stage, rel))
	}
	if _, err := modproxy.Publish(dir, filepath.Join(stage, "runtime"), rewriter.RuntimeModule, releaseVersion); err != nil {
		t.Fatal(err)
	}
	if _, err := modproxy.Publish(dir, filepath.Join(stage, "runtime", "otelbridge"), rewriter.BridgeModule, releaseVersion); err != nil {
		t.Fatal(err)
	}
	if _, err := modproxy.Publish(dir, stage, checkout.ModulePath, releaseVersion); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A user is the go command's environment on a machine that never saw
// this repository.
type user struct {
	t      *testing.T
	env    []string
	gopath string
}

func newUser(t *testing.T, tmp, proxy string) *user {
	gopath := filepath.Join(tmp, "gopath")
	machineProxy, machineCache, err := modproxy.MachineGoEnv()
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "GOFLAGS", "GOWORK", "GOPROXY", "GOPATH", "GOMODCACHE", "GOBIN", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOSUMDB", "GOINSECURE":
		default:
			env = append(env, kv)
		}
	}
	env = append(env,
		// Our modules from the test's proxy; everything else from what
		// the machine's module cache already holds, then its own proxy.
		"GOPROXY="+modproxy.Chain(machineProxy, machineCache, proxy),
		"GONOSUMDB="+checkout.ModulePath,
		"GOPATH="+gopath,
		"GOMODCACHE="+filepath.Join(gopath, "pkg", "mod"),
		"GOFLAGS=",
	)
	u := &user{t: t, env: env, gopath: gopath}
	t.Cleanup(func() {
		// The module cache is read-only; the go command can remove it.
		cmd := exec.Command("go", "clean", "-modcache")
		cmd.Env = env
		cmd.Dir = tmp
		cmd.Run()
	})
	return u
}

// run runs a command as the user and returns its stdout; a failure ends
// the test with the command's output.
func (u *user) run(dir, name string, args ...string) string {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = u.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		u.t.Fatalf("%s %s (in %s): %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), dir, err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String()
}

// checkInstrumented checks a rewritten program's go.mod and go.sum and
// builds and vets it as CI would, in the default -mod=readonly mode.
func (u *user) checkInstrumented(prog, version string, paths ...string) {
	u.t.Helper()
	if got := requiredVersion(u.t, prog, rewriter.RuntimeModule); got != version {
		u.t.Fatalf("go.mod requires the runtime at %q, want %s", got, version)
	}
	gomod := readString(u.t, filepath.Join(prog, "go.mod"))
	if strings.Contains(gomod, "replace") {
		u.t.Fatalf("go.mod has a replace:\n%s", gomod)
	}
	for _, p := range append(paths, os.Getenv("HOME")) {
		if p != "" && p != "/" && strings.Contains(gomod, p) {
			u.t.Fatalf("go.mod names %s, a path of this machine:\n%s", p, gomod)
		}
	}
	gosum := readString(u.t, filepath.Join(prog, "go.sum"))
	for _, l := range []string{rewriter.RuntimeModule + " " + version + " h1:", rewriter.RuntimeModule + " " + version + "/go.mod h1:"} {
		if !strings.Contains(gosum, l) {
			u.t.Fatalf("go.sum lacks %q", l)
		}
	}
	if !strings.Contains(readString(u.t, filepath.Join(prog, "chatgpt.go")), "wbi") && !fileExists(filepath.Join(prog, rewriter.GlueFile)) {
		u.t.Fatalf("nothing was instrumented in %s", prog)
	}
	u.run(prog, "go", "build", "-mod=readonly", "-o", os.DevNull, "./...")
	u.run(prog, "go", "vet", "-mod=readonly", "./...")
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func requiredVersion(t *testing.T, dir, path string) string {
	t.Helper()
	return requirements(t, dir)[path]
}

// requirements maps each module dir's go.mod requires to its version.
func requirements(t *testing.T, dir string) map[string]string {
	t.Helper()
	f, err := modfile.Parse("go.mod", []byte(readString(t, filepath.Join(dir, "go.mod"))), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range f.Require {
		m[r.Mod.Path] = r.Mod.Version
	}
	return m
}

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

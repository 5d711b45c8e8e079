package rewriter

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/modproxy"
)

// A released tool requires the published runtime and adds its go.sum
// lines. These tests publish the checkout's runtime on a file-based module
// proxy and rewrite as a released tool would, with a fresh module cache
// so that nothing of the machine's own cache is taken for the release.

// releaseEnv publishes the runtime at each version on a proxy in a temp
// dir, points the go command at it (and, behind it, at what the machine's
// module cache already holds), and returns each version's go.sum lines.
func releaseEnv(t *testing.T, versions ...string) map[string]string {
	t.Helper()
	proxy := t.TempDir()
	sums := map[string]string{}
	for _, v := range versions {
		sum, err := modproxy.Publish(proxy, filepath.Join(replaceRoot(t), "runtime"), RuntimeModule, v)
		if err != nil {
			t.Fatal(err)
		}
		sums[v] = string(sum)
	}
	machineProxy, machineCache, _ := modproxy.MachineGoEnv()
	t.Setenv("GOPROXY", modproxy.Chain(machineProxy, machineCache, proxy))
	t.Setenv("GOMODCACHE", filepath.Join(t.TempDir(), "mod"))
	t.Setenv("GONOSUMDB", "github.com/wbinstrument")
	t.Setenv("GOFLAGS", "-modcacherw") // so that t.TempDir can remove the cache
	t.Setenv("GOWORK", "off")
	return sums
}

// copyInput copies testdata/rewrite/NAME into a temp dir and returns it
// with its files as they were.
func copyInput(t *testing.T, name string) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	root := replaceRoot(t)
	copyTree(t, filepath.Join("..", "testdata", "rewrite", name), dir, root)
	return dir, readTree(t, dir, root)
}

func rewriteAt(t *testing.T, dir, version string) (*Report, error) {
	t.Helper()
	return Rewrite(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}, RuntimeVersion: version, SkipGenerated: true})
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestReleasedRewrite: the go.mod requires the runtime at the tool's
// version with no replace and no path of this machine, go.sum gets exactly
// the runtime's two lines, the module builds and vets in -mod=readonly
// mode, a second rewrite changes nothing, an upgrade of the tool moves
// the require and go.sum to the new version, a tool older than go.mod's
// runtime is refused, and revert gives every byte back.
func TestReleasedRewrite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module against a published runtime")
	}
	sums := releaseEnv(t, "v0.1.0", "v0.2.0")
	dir, before := copyInput(t, "direct")
	if _, err := rewriteAt(t, dir, "v0.1.0"); err != nil {
		t.Fatal(err)
	}
	gomod := readFile(t, filepath.Join(dir, "go.mod"))
	if !strings.Contains(gomod, "require github.com/wbinstrument/wbinstrument/runtime v0.1.0 // wbinstrument\n") || strings.Contains(gomod, "replace") {
		t.Fatalf("go.mod:\n%s", gomod)
	}
	for _, p := range []string{replaceRoot(t), os.TempDir(), os.Getenv("HOME")} {
		if p != "" && p != "/" && strings.Contains(gomod, p) {
			t.Fatalf("go.mod names %s, a path of this machine:\n%s", p, gomod)
		}
	}
	wantSum := before["go.sum"] + sums["v0.1.0"]
	if got := readFile(t, filepath.Join(dir, "go.sum")); got != wantSum {
		t.Fatalf("go.sum:\n%s\nwant:\n%s", got, wantSum)
	}
	goCmdEnv(t, dir, "build", "-mod=readonly", "-o", os.DevNull, "./...")
	goCmdEnv(t, dir, "vet", "-mod=readonly", "./...")

	if rep, err := rewriteAt(t, dir, "v0.1.0"); err != nil || len(rep.Files) != 0 {
		t.Fatalf("second rewrite: %v, changes %v", err, rep)
	}

	// An upgrade of the tool.
	if _, err := rewriteAt(t, dir, "v0.2.0"); err != nil {
		t.Fatal(err)
	}
	if gm := readFile(t, filepath.Join(dir, "go.mod")); !strings.Contains(gm, "runtime v0.2.0 // wbinstrument\n") {
		t.Fatalf("go.mod after the upgrade:\n%s", gm)
	}
	if got, want := readFile(t, filepath.Join(dir, "go.sum")), before["go.sum"]+sums["v0.2.0"]; got != want {
		t.Fatalf("go.sum after the upgrade:\n%s\nwant:\n%s", got, want)
	}
	goCmdEnv(t, dir, "build", "-mod=readonly", "-o", os.DevNull, "./...")

	// An older tool on a module a newer one instrumented.
	after := readTree(t, dir, replaceRoot(t))
	_, err := rewriteAt(t, dir, "v0.1.0")
	t.Logf("the error a user sees:\n%v", err)
	if err == nil || !strings.Contains(err.Error(), "go.mod:") || !strings.Contains(err.Error(), "newer than this wbinstrument (v0.1.0)") || !strings.Contains(err.Error(), "go get -tool "+ToolPackage+"@v0.2.0") {
		t.Fatalf("older tool: err = %v", err)
	}
	compareTrees(t, after, readTree(t, dir, replaceRoot(t)))

	if _, err := Revert(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}}); err != nil {
		t.Fatal(err)
	}
	compareTrees(t, before, readTree(t, dir, replaceRoot(t)))
}

// TestReleasedAfterDevelopmentRewrite: a module instrumented by a build
// from a checkout (a replace of ours) and then by a released tool loses
// the replace, and revert still restores it byte for byte.
func TestReleasedAfterDevelopmentRewrite(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads a published runtime")
	}
	sums := releaseEnv(t, "v0.1.0")
	dir, before := copyInput(t, "direct")
	if _, err := Rewrite(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}, Replace: replaceRoot(t)}); err != nil {
		t.Fatal(err)
	}
	if _, err := rewriteAt(t, dir, "v0.1.0"); err != nil {
		t.Fatal(err)
	}
	gomod := readFile(t, filepath.Join(dir, "go.mod"))
	if strings.Contains(gomod, "replace") || !strings.Contains(gomod, "runtime v0.1.0 // wbinstrument") {
		t.Fatalf("go.mod:\n%s", gomod)
	}
	if got := readFile(t, filepath.Join(dir, "go.sum")); got != before["go.sum"]+sums["v0.1.0"] {
		t.Fatalf("go.sum:\n%s", got)
	}
	if _, err := Revert(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}}); err != nil {
		t.Fatal(err)
	}
	compareTrees(t, before, readTree(t, dir, replaceRoot(t)))
}

// TestReleasedRewriteOffline: when the go command cannot get the runtime,
// the rewrite says which module and what to do, and changes nothing.
func TestReleasedRewriteOffline(t *testing.T) {
	releaseEnv(t)
	// The machine's module cache serves go-openai, and nothing serves the
	// runtime.
	_, machineCache, _ := modproxy.MachineGoEnv()
	t.Setenv("GOPROXY", modproxy.Chain("off", machineCache))
	dir, before := copyInput(t, "direct")
	_, err := rewriteAt(t, dir, "v0.1.0")
	if err == nil {
		t.Fatal("rewrite succeeded without a way to download the runtime")
	}
	t.Logf("the error a user sees:\n%v", err)
	for _, want := range []string{RuntimeModule + "@v0.1.0", "go mod download -json", "GOPROXY", "nothing was changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	compareTrees(t, before, readTree(t, dir, replaceRoot(t)))
}

// TestReleasedRewriteVendored: a vendored module gets the published
// runtime's sources from the module cache, listed in vendor/modules.txt
// as `go mod vendor` lists a module with no replace; it builds with
// -mod=vendor, and revert restores it.
func TestReleasedRewriteVendored(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module against a published runtime")
	}
	releaseEnv(t, "v0.1.0")
	// A user who builds from vendor/ says so in GOFLAGS; the go command
	// that downloads the runtime gets it too.
	t.Setenv("GOFLAGS", "-mod=vendor -modcacherw")
	dir, before := copyInput(t, "vendored")
	if _, err := rewriteAt(t, dir, "v0.1.0"); err != nil {
		t.Fatal(err)
	}
	mt := readFile(t, filepath.Join(dir, "vendor", "modules.txt"))
	if !strings.Contains(mt, "# "+RuntimeModule+" v0.1.0\n## explicit; go 1.18\n") || strings.Contains(mt, "=>") {
		t.Fatalf("modules.txt:\n%s", mt)
	}
	src := filepath.Join(replaceRoot(t), "runtime", "wbopenai", "config.go")
	vendored := filepath.Join(dir, "vendor", filepath.FromSlash(RuntimeModule), "wbopenai", "config.go")
	if a, b := readFile(t, src), readFile(t, vendored); a != b {
		t.Fatalf("vendored %s differs from the runtime's", vendored)
	}
	goCmdEnv(t, dir, "build", "-mod=vendor", "-o", os.DevNull, "./...")
	if _, err := Revert(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}}); err != nil {
		t.Fatal(err)
	}
	compareTrees(t, before, readTree(t, dir, replaceRoot(t)))
}

// goCmdEnv runs the go command in dir with the test's environment
// (releaseEnv's proxy and module cache).
func goCmdEnv(t *testing.T, dir string, args ...string) {
	t.Helper()
	runGo(t, dir, nil, args...)
}

package rewriter

import (
	"context"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/modproxy"
	"github.com/wbinstrument/wbinstrument/internal/testtree"
)

// TestReleasedRewriteOTel: a released tool's rewrite of a module that
// requires OpenTelemetry requires the published bridge at the runtime's
// version, with no replace, adds exactly the runtime's and the bridge's
// go.sum lines, builds in -mod=readonly mode, changes nothing a second
// time, and revert gives every byte back; the same tool on a module
// without OpenTelemetry adds no bridge.
func TestReleasedRewriteOTel(t *testing.T) {
	const v = "v0.1.0"
	sums, bridgeSums := otelReleaseEnv(t, v)

	dir, before := copyInput(t, "otel")
	if _, err := rewriteAt(t, dir, v); err != nil {
		t.Fatal(err)
	}
	gomod := readFile(t, filepath.Join(dir, "go.mod"))
	if !strings.Contains(gomod, "require "+BridgeModule+" "+v+" // wbinstrument\n") || strings.Contains(gomod, "replace") {
		t.Fatalf("go.mod:\n%s", gomod)
	}
	sum := readFile(t, filepath.Join(dir, "go.sum"))
	var added []string
	for _, l := range strings.SplitAfter(sum, "\n") {
		if l != "" && !strings.Contains(before["go.sum"], l) {
			added = append(added, l)
		}
	}
	if got, want := strings.Join(added, ""), sums[v]+string(bridgeSums); got != want {
		t.Fatalf("go.sum gained:\n%s\nwant:\n%s", got, want)
	}
	glue := readFile(t, filepath.Join(dir, GlueFile))
	if !strings.Contains(glue, `_ "`+BridgeModule+`"`) {
		t.Fatalf("glue does not import the bridge:\n%s", glue)
	}
	goCmdEnv(t, dir, "build", "-mod=readonly", "-o", os.DevNull, "./...")
	if rep, err := rewriteAt(t, dir, v); err != nil || len(rep.Files) != 0 {
		t.Fatalf("second rewrite: %v, changes %v", err, rep)
	}
	if _, err := Revert(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}}); err != nil {
		t.Fatal(err)
	}
	compareTrees(t, before, readTree(t, dir, replaceRoot(t)))

	// Without OpenTelemetry: the runtime alone.
	dir, _ = copyInput(t, "direct")
	if _, err := rewriteAt(t, dir, v); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.mod", "go.sum", GlueFile} {
		if strings.Contains(readFile(t, filepath.Join(dir, f)), "otel") {
			t.Errorf("%s of a module without OpenTelemetry names otel", f)
		}
	}
}

// otelReleaseEnv is releaseEnv with the bridge published too; it returns
// the runtime's and the bridge's go.sum lines at v. The tests that call
// it build against what it publishes: they skip with -short.
func otelReleaseEnv(t *testing.T, v string) (map[string]string, []byte) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a module against a published runtime")
	}
	sums := releaseEnv(t, v)
	proxy := t.TempDir()
	bridgeSums, err := modproxy.Publish(proxy, filepath.Join(replaceRoot(t), "runtime", "otelbridge"), BridgeModule, v)
	if err != nil {
		t.Fatal(err)
	}
	runtimeProxy, err := modproxy.Publish(proxy, filepath.Join(replaceRoot(t), "runtime"), RuntimeModule, v)
	if err != nil || string(runtimeProxy) != sums[v] {
		t.Fatalf("publishing the runtime again: %v", err)
	}
	machineProxy, machineCache, err := modproxy.MachineGoEnv()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOPROXY", modproxy.Chain(machineProxy, machineCache, proxy))
	return sums, bridgeSums
}

// TestReleasedRewriteOTelVendored: a vendored module that uses
// OpenTelemetry gets the published bridge in vendor/ next to the
// runtime, listed in modules.txt; it builds and vets with -mod=vendor,
// `go mod vendor` run afterwards gives the same tree to the byte, a
// second rewrite changes nothing, and revert gives every byte back.
func TestReleasedRewriteOTelVendored(t *testing.T) {
	const v = "v0.1.0"
	otelReleaseEnv(t, v)
	dir, _ := copyInput(t, "otel")
	goCmdEnv(t, dir, "mod", "vendor")
	t.Setenv("GOFLAGS", "-mod=vendor -modcacherw")
	before := testtree.Read(t, dir)
	if _, err := rewriteAt(t, dir, v); err != nil {
		t.Fatal(err)
	}
	mt := readFile(t, filepath.Join(dir, "vendor", "modules.txt"))
	block := "# " + RuntimeModule + " " + v + "\n## explicit; go 1.18\n"
	bblock := "# " + BridgeModule + " " + v + "\n## explicit; go 1.18\n" + BridgeModule + "\n# go.opentelemetry.io/"
	if !strings.Contains(mt, block) || !strings.Contains(mt, bblock) || strings.Contains(mt, "=>") {
		t.Fatalf("modules.txt:\n%s", mt)
	}
	src := filepath.Join(replaceRoot(t), "runtime", "otelbridge", "otelbridge.go")
	vendored := filepath.Join(dir, "vendor", filepath.FromSlash(BridgeModule), "otelbridge.go")
	if a, b := readFile(t, src), readFile(t, vendored); a != b {
		t.Fatalf("vendored %s differs from the bridge's", vendored)
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, GlueFile)), `_ "`+BridgeModule+`"`) {
		t.Fatal("the glue does not import the bridge")
	}
	goCmdEnv(t, dir, "build", "-mod=vendor", "-o", os.DevNull, "./...")
	goCmdEnv(t, dir, "vet", "-mod=vendor", "./...")
	if rep, err := rewriteAt(t, dir, v); err != nil || len(rep.Files) != 0 {
		t.Fatalf("second rewrite: %v, changes %v", err, rep)
	}
	rewritten := testtree.Read(t, dir)
	goCmdEnv(t, dir, "mod", "vendor")
	compareTrees(t, rewritten, testtree.Read(t, dir))

	if _, err := Revert(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}}); err != nil {
		t.Fatal(err)
	}
	compareTrees(t, before, testtree.Read(t, dir))
}

// TestBridgeImports: bridgeImports lists exactly what the bridge imports
// outside the standard library and the runtime.
func TestBridgeImports(t *testing.T) {
	dir := filepath.Join(replaceRoot(t), "runtime", "otelbridge")
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	got := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range af.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if strings.Contains(strings.Split(p, "/")[0], ".") && !strings.HasPrefix(p, RuntimeModule+"/") {
				got[p] = true
			}
		}
	}
	want := map[string]bool{}
	for _, p := range bridgeImports {
		want[p] = true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the bridge imports %v; bridgeImports says %v", got, want)
	}
}

// TestWantsBridgeVendored: a vendored module gets the bridge only when
// its vendor/ has every package the bridge imports.
func TestWantsBridgeVendored(t *testing.T) {
	dir := t.TempDir()
	gomod := filepath.Join(dir, "go.mod")
	os.WriteFile(gomod, []byte("module example.com/v\n\ngo 1.23.0\n\nrequire go.opentelemetry.io/otel v1.37.0\n\nrequire go.opentelemetry.io/otel/trace v1.37.0 // indirect\n"), 0o644)
	traceHash := "go.opentelemetry.io/otel/trace v1.37.0 h1:HLdcFNbRQBE2imdSEgm/kwqmQj1Or1l/7bW6mxVK7z4=\n"
	sum := "go.opentelemetry.io/otel v1.37.0 h1:9zhNfelUvx0KBfu/gb+ZgeAfAgtWrfHJZcAqFC228wQ=\n" +
		"go.opentelemetry.io/otel v1.37.0/go.mod h1:ehE/umFRLnuLa/vSccNq9oS1ErUlkkK71gMcN34UG8I=\n" +
		traceHash +
		"go.opentelemetry.io/otel/trace v1.37.0/go.mod h1:TlgrlQ+PtQO5XFerSPUYG0JSgGyryXewPGyayAWSBS0=\n"
	all := "# go.opentelemetry.io/otel v1.37.0\n## explicit; go 1.23.0\ngo.opentelemetry.io/otel\ngo.opentelemetry.io/otel/attribute\ngo.opentelemetry.io/otel/codes\n" +
		"# go.opentelemetry.io/otel/trace v1.37.0\n## explicit; go 1.23.0\ngo.opentelemetry.io/otel/trace\n"
	// Each step writes one file, the others staying as the steps before
	// left them, and says whether the module then gets the bridge.
	for i, step := range []struct {
		file, data string
		want       bool
		what       string
	}{
		{"go.sum", sum, true, "a module that requires OpenTelemetry"},
		// Required but not built (only go.mod hashes in go.sum): the bridge
		// would make the build ask for go.sum entries it does not have.
		{"go.sum", strings.Replace(sum, traceHash, "", 1), false, "go.sum lacks otel/trace's content hash"},
		{"go.sum", sum, true, "go.sum has the content hashes again"},
		{"vendor/modules.txt", all, true, "vendor/ has the bridge's imports"},
		{"vendor/modules.txt", strings.Replace(all, "go.opentelemetry.io/otel\n", "", 1), false, "vendor/ lacks go.opentelemetry.io/otel"},
	} {
		p := filepath.Join(dir, filepath.FromSlash(step.file))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(step.data), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := wantsBridge(gomod, ""); got != step.want {
			t.Errorf("step %d, %s: wantsBridge = %v, want %v", i, step.what, got, step.want)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/wbinstrument/wbinstrument/internal/checkout"
	"github.com/wbinstrument/wbinstrument/rewriter"
)

// TestReleaseVersion holds the release together: the root go.mod requires
// the runtime at the version this tree is released as (a released tool
// requires the runtime it was built with), and the workspace's replace of
// that version is what makes a clone build the checkout's runtime.
func TestReleaseVersion(t *testing.T) {
	root := filepath.Join("..", "..")
	mod := parseModFile(t, root, "go.mod", modfile.Parse)
	if required := runtimeRequired(mod); required != releaseVersion {
		t.Errorf("go.mod requires %s %q, but the tool is released as %s (releaseVersion): they must be the same version; see RELEASING.md", rewriter.RuntimeModule, required, releaseVersion)
	}
	for _, r := range mod.Replace {
		t.Errorf("go.mod:%d: replace %s: a go.mod that users fetch must have no replace (go install refuses it); use go.work", r.Syntax.Start.Line, r.Old.Path)
	}
	// The README's install commands name the version being released.
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"go get -tool " + rewriter.ToolPackage + "@" + releaseVersion, "go install " + rewriter.ToolPackage + "@" + releaseVersion} {
		if !strings.Contains(string(readme), cmd) {
			t.Errorf("README.md lacks the install command %q", cmd)
		}
	}
	work := parseModFile(t, root, "go.work", modfile.ParseWork)
	var replaced string
	for _, r := range work.Replace {
		if r.Old.Path == rewriter.RuntimeModule && r.New.Path == "./runtime" {
			replaced = r.Old.Version
		}
	}
	if replaced != releaseVersion {
		t.Errorf("go.work replaces %s at %q with ./runtime; want %s (releaseVersion)", rewriter.RuntimeModule, replaced, releaseVersion)
	}
	// The OpenTelemetry bridge is released with the runtime, at the same
	// version, and requires the runtime of its release.
	bmod := parseModFile(t, root, "runtime/otelbridge/go.mod", modfile.Parse)
	if bmod.Module == nil || bmod.Module.Mod.Path != rewriter.BridgeModule {
		t.Errorf("runtime/otelbridge/go.mod is not module %s", rewriter.BridgeModule)
	}
	if required := runtimeRequired(bmod); required != releaseVersion {
		t.Errorf("runtime/otelbridge/go.mod requires %s %q; want %s (releaseVersion), the runtime released with it", rewriter.RuntimeModule, required, releaseVersion)
	}
	for _, r := range bmod.Replace {
		t.Errorf("runtime/otelbridge/go.mod:%d: replace %s: a go.mod that users fetch must have no replace", r.Syntax.Start.Line, r.Old.Path)
	}
	used := false
	for _, u := range work.Use {
		used = used || filepath.Clean(u.Path) == filepath.Join("runtime", "otelbridge")
	}
	if !used {
		t.Error("go.work does not use ./runtime/otelbridge")
	}
}

// parseModFile reads and parses root/rel, a go.mod (parse is
// modfile.Parse) or a go.work (modfile.ParseWork).
func parseModFile[F any](t *testing.T, root, rel string, parse func(string, []byte, modfile.VersionFixer) (F, error)) F {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parse(rel, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// runtimeRequired is the version of the runtime that mod requires, or ""
// when it does not require it.
func runtimeRequired(mod *modfile.File) string {
	required := ""
	for _, r := range mod.Require {
		if r.Mod.Path == rewriter.RuntimeModule {
			required = r.Mod.Version
		}
	}
	return required
}

// TestVersionFrom reads the version from the build info each way of
// building the tool leaves.
func TestVersionFrom(t *testing.T) {
	rt := func(v string, rep *debug.Module) *debug.Module {
		return &debug.Module{Path: rewriter.RuntimeModule, Version: v, Replace: rep}
	}
	for _, tc := range []struct {
		name          string
		info          debug.BuildInfo
		tool, runtime string
		line          string
	}{
		{
			name: "go install ...@v0.3.0",
			info: debug.BuildInfo{Main: debug.Module{Path: checkout.ModulePath, Version: "v0.3.0"}, Deps: []*debug.Module{rt("v0.3.0", nil)}},
			tool: "v0.3.0", runtime: "v0.3.0", line: "wbinstrument v0.3.0",
		},
		{
			// go tool in the user's module, which requires a newer runtime.
			name: "go tool",
			info: debug.BuildInfo{Main: debug.Module{Path: "example.com/app", Version: "(devel)"}, Deps: []*debug.Module{{Path: checkout.ModulePath, Version: "v0.3.0"}, rt("v0.3.1", nil)}},
			tool: "v0.3.0", runtime: "v0.3.1", line: "wbinstrument v0.3.0 (runtime v0.3.1)",
		},
		{
			name: "a clone's workspace",
			info: debug.BuildInfo{Main: debug.Module{Path: checkout.ModulePath, Version: "(devel)"}, Deps: []*debug.Module{rt("(devel)", nil)}},
			tool: "(devel)", runtime: "",
		},
		{
			// Go 1.24 stamps a pseudo-version from the clone's commit.
			name: "a clone's workspace with VCS stamping",
			info: debug.BuildInfo{Main: debug.Module{Path: checkout.ModulePath, Version: "v0.3.1-0.20261206101010-0123456789ab+dirty"}, Deps: []*debug.Module{rt("(devel)", nil)}},
			tool: "v0.3.1-0.20261206101010-0123456789ab+dirty", runtime: "",
		},
		{
			name: "the runtime replaced by a directory",
			info: debug.BuildInfo{Main: debug.Module{Path: checkout.ModulePath, Version: "v0.3.0"}, Deps: []*debug.Module{rt("v0.3.0", &debug.Module{Path: "../runtime"})}},
			tool: "v0.3.0", runtime: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bv := versionFrom(&tc.info)
			if bv.tool != tc.tool || bv.runtime != tc.runtime {
				t.Fatalf("got tool %q runtime %q, want %q %q", bv.tool, bv.runtime, tc.tool, tc.runtime)
			}
			if bv.released() != (tc.runtime != "") {
				t.Fatalf("released() = %v", bv.released())
			}
			if tc.line != "" && bv.String() != tc.line {
				t.Fatalf("version line %q, want %q", bv.String(), tc.line)
			}
		})
	}
}

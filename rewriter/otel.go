package rewriter

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// A module that requires OpenTelemetry (go.opentelemetry.io/otel) gets
// the runtime's bridge module too: its glue imports the bridge for its
// init, which makes each logged call a span of the program's own
// TracerProvider, nested in the span of the call's context. Other
// modules never see it, so they never gain the OpenTelemetry dependency.
// The bridge is required, summed and replaced like the runtime, at the
// same version, and revert removes its lines with the runtime's.

const (
	// BridgeModule is the runtime's OpenTelemetry bridge module.
	BridgeModule = RuntimeModule + "/otelbridge"

	// otelModule is the module whose require in go.mod asks for the bridge.
	otelModule = "go.opentelemetry.io/otel"
)

// wantsBridge reports whether the module of goModPath gets the bridge: its
// go.mod requires OpenTelemetry (directly or not: either way the program
// links it already, or can without a new module), and, when it is
// vendored, its vendor/ has the packages the bridge imports (it has
// when the program imports go.opentelemetry.io/otel, which imports the
// others; a vendored module that uses less of OpenTelemetry gets the
// runtime alone, as copying OpenTelemetry's packages is `go mod
// vendor`'s to do). A development build needs a checkout that has the
// bridge.
func wantsBridge(goModPath, replace string) bool {
	data, err := os.ReadFile(goModPath)
	if err != nil {
		return false
	}
	f, err := modfile.ParseLax(goModPath, data, nil)
	if err != nil || f.Module == nil || f.Module.Mod.Path == RuntimeModule || f.Module.Mod.Path == BridgeModule {
		return false
	}
	if _, mt, err := readModulesTxt(filepath.Dir(goModPath)); err != nil || mt != nil && !vendorsAll(mt, bridgeImports) {
		return false
	}
	if replace != "" && !fileExists(filepath.Join(replace, "runtime", "otelbridge", "go.mod")) {
		return false
	}
	return buildsWithBridge(f, filepath.Join(filepath.Dir(goModPath), "go.sum"))
}

// bridgeModules are the modules that provide bridgeImports.
var bridgeModules = []string{otelModule, otelModule + "/trace"}

// buildsWithBridge reports whether the module's build already has what
// the bridge imports: go.mod requires each of bridgeModules (as `go mod
// tidy` records every module that provides a package of the build) and
// go.sum holds its content hash, not only its go.mod's. A module that
// requires OpenTelemetry but builds none of its packages would otherwise
// fail after the rewrite with "missing go.sum entry"; it gets the runtime
// alone.
func buildsWithBridge(f *modfile.File, goSumPath string) bool {
	sum, err := os.ReadFile(goSumPath)
	if err != nil {
		return false
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(sum), "\n") {
		if fields := strings.Fields(l); len(fields) == 3 {
			lines[fields[0]+" "+fields[1]] = true
		}
	}
	for _, path := range bridgeModules {
		req, _ := modLines(f, path)
		if req == nil || !lines[path+" "+req.Mod.Version] {
			return false
		}
	}
	return true
}

// bridgeImports are the packages outside the standard library and the
// runtime that the bridge imports (TestBridgeImports keeps the list
// true).
var bridgeImports = []string{
	"go.opentelemetry.io/otel",
	"go.opentelemetry.io/otel/attribute",
	"go.opentelemetry.io/otel/codes",
	"go.opentelemetry.io/otel/trace",
}

// vendorsAll reports whether modules.txt lists every package of pkgs:
// `go mod vendor` copied them, and the packages they import.
func vendorsAll(modulesTxt []byte, pkgs []string) bool {
	listed := map[string]bool{}
	for _, l := range strings.Split(string(modulesTxt), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			listed[strings.TrimSpace(l)] = true
		}
	}
	for _, p := range pkgs {
		if !listed[p] {
			return false
		}
	}
	return true
}

// bridgeRuntimeVersion returns the runtime version the bridge's go.mod
// at bridgeGoMod requires ("" when it cannot tell).
func bridgeRuntimeVersion(bridgeGoMod string) string {
	data, err := os.ReadFile(bridgeGoMod)
	if err != nil {
		return ""
	}
	bf, err := modfile.ParseLax(bridgeGoMod, data, nil)
	if err != nil {
		return ""
	}
	for _, r := range bf.Require {
		if r.Mod.Path == RuntimeModule {
			return r.Mod.Version
		}
	}
	return ""
}

// requireBridge adds the bridge's require (and, for a development build,
// its replace) where wantsBridge, after the runtime's; where not, it drops
// the lines of ours an earlier rewrite left. A require or replace of the
// user's own is left as it is.
func requireBridge(f *modfile.File, path string, o *Options, marked func(*modfile.Line) *modfile.Line) error {
	req, rep := modLines(f, BridgeModule)
	if !wantsBridge(path, o.Replace) {
		if req != nil && isOurs(req.Syntax) {
			if err := f.DropRequire(BridgeModule); err != nil {
				return err
			}
		}
		if rep != nil && isOurs(rep.Syntax) {
			return f.DropReplace(rep.Old.Path, rep.Old.Version)
		}
		return nil
	}
	version := o.RuntimeVersion
	switch {
	case req == nil:
		f.Syntax.Stmt = append(f.Syntax.Stmt, marked(&modfile.Line{Token: []string{"require", modfile.AutoQuote(BridgeModule), version}}))
	case isOurs(req.Syntax) && req.Mod.Version != version:
		if err := f.AddRequire(BridgeModule, version); err != nil {
			return err
		}
	}
	if o.Replace == "" {
		if rep != nil && isOurs(rep.Syntax) {
			return f.DropReplace(rep.Old.Path, rep.Old.Version)
		}
		return nil
	}
	want := filepath.Join(o.Replace, "runtime", "otelbridge")
	switch {
	case rep == nil:
		f.Syntax.Stmt = append(f.Syntax.Stmt, marked(&modfile.Line{Token: []string{"replace", modfile.AutoQuote(BridgeModule), "=>", modfile.AutoQuote(want)}}))
	case isOurs(rep.Syntax) && (rep.New.Path != want || rep.New.Version != ""):
		if err := f.AddReplace(BridgeModule, rep.Old.Version, want, ""); err != nil {
			return err
		}
	}
	// The checkout's bridge requires the runtime at a released version,
	// which the build selects over the placeholder version of a
	// development build's require: go.mod must say so, or the go command
	// asks for `go mod tidy`. The replace makes any version the checkout.
	return raiseRuntimeForBridge(f, filepath.Join(want, "go.mod"))
}

// raiseRuntimeForBridge raises the runtime require of ours to the version
// the bridge's go.mod at bridgeGoMod requires, when lower.
func raiseRuntimeForBridge(f *modfile.File, bridgeGoMod string) error {
	data, err := os.ReadFile(bridgeGoMod)
	if err != nil {
		return err
	}
	bf, err := modfile.ParseLax(bridgeGoMod, data, nil)
	if err != nil {
		return err
	}
	for _, br := range bf.Require {
		if br.Mod.Path != RuntimeModule {
			continue
		}
		for _, r := range f.Require {
			if r.Mod.Path == RuntimeModule && isOurs(r.Syntax) && semver.Compare(r.Mod.Version, br.Mod.Version) < 0 {
				return f.AddRequire(RuntimeModule, br.Mod.Version)
			}
		}
		// A require line requireDevel has just added is not parsed yet.
		for _, st := range f.Syntax.Stmt {
			if l, ok := st.(*modfile.Line); ok && isOurs(l) && len(l.Token) == 3 && l.Token[0] == "require" &&
				l.Token[1] == modfile.AutoQuote(RuntimeModule) && semver.Compare(l.Token[2], br.Mod.Version) < 0 {
				l.Token[2] = br.Mod.Version
			}
		}
	}
	return nil
}

// bridgeSum reports whether go.sum of the module at modRoot must hold
// the bridge's hashes (a released tool's rewrite adds the bridge, with no
// replace of the user's), and ours whether its require is the rewrite's,
// so that lines of its other versions are ours to drop.
func bridgeSum(modRoot string) (want, ours bool) {
	path := filepath.Join(modRoot, "go.mod")
	if !wantsBridge(path, "") {
		return false, false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false, false
	}
	f, err := modfile.ParseLax(path, data, nil)
	if err != nil {
		return false, false
	}
	for _, r := range f.Replace {
		if r.Old.Path == BridgeModule && !isOurs(r.Syntax) {
			return false, false
		}
	}
	for _, r := range f.Require {
		if r.Mod.Path == BridgeModule {
			return true, isOurs(r.Syntax)
		}
	}
	return true, true
}

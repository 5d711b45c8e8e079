package rewriter

import (
	"strconv"

	"github.com/wbinstrument/wbinstrument/internal/arity"
)

// The only place that knows the runtime's exported names: the rest of the
// rewriter goes through these, so a rename in the runtime is one edit here.

const (
	// DefaultPkg is the import path of go-openai matched by default; -pkg
	// replaces it for forks published under another path.
	DefaultPkg = "github.com/sashabaranov/go-openai"

	// RuntimeModule is the module that rewritten code requires.
	RuntimeModule = "github.com/wbinstrument/wbinstrument/runtime"

	// ToolPackage is the wbinstrument command, as go install and
	// go get -tool name it.
	ToolPackage = "github.com/wbinstrument/wbinstrument/cmd/wbinstrument"

	// runtimePkg is the package the generated glue imports.
	runtimePkg = RuntimeModule + "/wbopenai"

	// runtimeGoVersion is the runtime module's go line; a user's module
	// below it is raised to it (and restored by revert).
	runtimeGoVersion = "1.18"

	// GlueFile is the per-package generated file holding the forwarders.
	GlueFile = "wbinstrument_gen.go"

	// PseudoVersion is required when the runtime comes from a local
	// checkout via -replace: the version is then irrelevant but must be
	// valid, and the zero pseudo-version needs no go.sum entry.
	PseudoVersion = "v0.0.0-00010101000000-000000000000"

	ignoreDirective = "//wbinstrument:ignore"
	goModWasPrefix  = "// wbinstrument: was go "
)

// Names of the package-local forwarders declared in the glue file.
const (
	wbiConfig       = "wbiConfig"
	wbiNewClient    = "wbiNewClient"
	wbiNewOrgClient = "wbiNewOrgClient"
	wbiFinish       = "wbiFinish"
)

// callWrappers lists the call-site forwarders (wbiCall0..6, wbiCallV1..2,
// wbiCallE0..3, as the arity table bounds them), each with the runtime
// function it forwards to.
var callWrappers = func() []struct{ local, remote string } {
	var ws []struct{ local, remote string }
	for _, f := range []struct {
		name     string
		min, max int
	}{{"Call", arity.CallMin, arity.CallMax}, {"CallV", arity.CallVMin, arity.CallVMax}, {"CallE", arity.CallEMin, arity.CallEMax}} {
		for n := f.min; n <= f.max; n++ {
			remote := f.name + strconv.Itoa(n)
			ws = append(ws, struct{ local, remote string }{"wbi" + remote, remote})
		}
	}
	return ws
}()

// oaiMaxParams bounds the parameters between the context and the options
// that the openai-go wrappers take.
const oaiMaxParams = arity.OpenAIMax

// reservedNames are the package-scope names the glue declares; a user
// declaration of any of them is a collision.
func reservedNames() []string {
	names := []string{wbiConfig, wbiNewClient, wbiNewOrgClient, wbiFinish}
	for _, w := range callWrappers {
		names = append(names, w.local)
	}
	return names
}

func isCallWrapper(name string) bool {
	if isOAIWrapper(name) {
		return true
	}
	for _, w := range callWrappers {
		if w.local == name {
			return true
		}
	}
	return false
}

// constructor names of go-openai that build a client.
const (
	ctorNewClient           = "NewClient"
	ctorNewOrgClient        = "NewOrgClient"
	ctorNewClientWithConfig = "NewClientWithConfig"
	cfgDefault              = "DefaultConfig"
	cfgDefaultAzure         = "DefaultAzureConfig"
	clientType              = "Client"
)

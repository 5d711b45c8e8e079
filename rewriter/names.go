package rewriter

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
// wbiCallE0..3), each with the runtime function it forwards to.
var callWrappers = []struct{ local, remote string }{
	{"wbiCall0", "Call0"}, {"wbiCall1", "Call1"}, {"wbiCall2", "Call2"},
	{"wbiCall3", "Call3"}, {"wbiCall4", "Call4"}, {"wbiCall5", "Call5"},
	{"wbiCall6", "Call6"}, {"wbiCallV1", "CallV1"}, {"wbiCallV2", "CallV2"},
	{"wbiCallE0", "CallE0"}, {"wbiCallE1", "CallE1"}, {"wbiCallE2", "CallE2"},
	{"wbiCallE3", "CallE3"},
}

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

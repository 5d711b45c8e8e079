package wbopenai_test

import (
	"log"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// Rewritten code needs nothing of this: the run starts with the first
// call, configured from the WANDB_* variables. A program that wants to
// name its run in code calls Init before its first call, as the Python
// autolog's init={...} did.
func ExampleInit() {
	err := wbopenai.Init(wandb.Options{
		Project: "support-bot",
		Name:    "nightly-eval",
		Tags:    []string{"eval", "gpt-4o-mini"},
		Config:  map[string]interface{}{"temperature": 0.2},
		Mode:    "offline", // the run lands in ./wandb/; `wbinstrument sync` uploads it
	})
	if err != nil {
		log.Fatal(err) // a bad option; calls go on unlogged
	}
	defer wbopenai.Finish()
	// ... the program's go-openai calls ...
}

// The rewrite makes Finish the first deferred call of main, so the run is
// written to its end however main returns. Tests have no main for the
// rewrite to hook: call Finish from TestMain after m.Run(), or the calls
// the tests made are not written.
func ExampleFinish() {
	defer wbopenai.Finish()
	// ... the program's go-openai calls ...
}

// Disable stops logging for the rest of the program (it finishes the run
// first), for a part of it whose calls must not be logged; Init turns it
// back on.
func ExampleDisable() {
	wbopenai.Disable()
	// ... calls here are not logged ...
	if err := wbopenai.Init(wandb.Options{}); err != nil {
		log.Fatal(err)
	}
}

package rewriter

import (
	"strings"
	"testing"
)

func TestOAIMajor(t *testing.T) {
	for path, want := range map[string]int{
		"github.com/openai/openai-go":                1,
		"github.com/openai/openai-go/option":         1,
		"github.com/openai/openai-go/v2":             2,
		"github.com/openai/openai-go/v3/responses":   3,
		"github.com/openai/openai-go/v3/azure":       3,
		"github.com/openai/openai-go-extras":         0,
		"github.com/sashabaranov/go-openai":          0,
		"example.com/github.com/openai/openai-go/v3": 0,
	} {
		if got := oaiMajor(path); got != want {
			t.Errorf("oaiMajor(%q) = %d, want %d", path, got, want)
		}
	}
}

func TestOAIGlueNames(t *testing.T) {
	for name, want := range map[string]bool{
		"wbiOAI3Call1": true, "wbiOAI1Value0": true, "wbiOAI2Err4": true,
		"wbiOAI3Call5": false, "wbiOAICall1": false, "wbiCall1": false, "wbiOAI3Opts": false,
	} {
		if got := isOAIWrapper(name); got != want {
			t.Errorf("isOAIWrapper(%q) = %v", name, got)
		}
	}
	for name, want := range map[string]bool{"wbiOAI3Opts": true, "wbiOAI1Opts": true, "wbiOAIOpts": false, "wbiOAI3Call1": false} {
		if got := isOAIOpts(name); got != want {
			t.Errorf("isOAIOpts(%q) = %v", name, got)
		}
	}
	// Every name the glue declares is reserved, and the reserved call
	// wrappers are the ones revert recognises.
	src := string(glueSource("p", map[int]bool{3: true}))
	for _, n := range oaiReservedNames(3) {
		if !strings.Contains(src, "func "+n+"[") && !strings.Contains(src, "func "+n+"(") {
			t.Errorf("reserved name %s is not declared by the glue", n)
		}
		if n != "wbiOAI3Opts" && !isCallWrapper(n) {
			t.Errorf("%s is not recognised as a call wrapper", n)
		}
	}
}

package main

import (
	"sort"
	"strings"
	"testing"
)

// TestEveryCommandHelpAndBadFlag: -h (and its spellings, and "help CMD")
// prints the command's usage on stdout alone with exit status 0; a bad flag
// prints the error and the usage on stderr alone with exit status 2.
func TestEveryCommandHelpAndBadFlag(t *testing.T) {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, want := range []string{"demo", "revert", "rewrite", "sync", "version", "view"} {
		if commands[want] == nil {
			t.Errorf("command %s is not registered", want)
		}
	}
	for _, c := range names {
		usage := "usage: wbinstrument " + c
		for _, args := range [][]string{{c, "-h"}, {c, "-help"}, {c, "--help"}, {"help", c}} {
			code, out, errs := cli(args...)
			if code != 0 || !strings.HasPrefix(out, usage) || errs != "" {
				t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
			}
		}
		code, out, errs := cli(c, "-nosuchflag")
		wantErr := "wbinstrument " + c + ": flag provided but not defined: -nosuchflag\n" + usage
		if code != 2 || out != "" || !strings.HasPrefix(errs, wantErr) {
			t.Errorf("%s -nosuchflag: exit %d\nstdout:\n%s\nstderr:\n%s", c, code, out, errs)
		}
	}
	if code, out, errs := cli("version", "extra"); code != 2 || out != "" || !strings.Contains(errs, "takes no arguments") {
		t.Errorf("version extra: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// TestTopLevelUsage: `wbinstrument help` (and -h) prints the command list
// on stdout with exit 0; `wbinstrument` alone is a mistake, so the list
// goes to stderr with exit 2.
func TestTopLevelUsage(t *testing.T) {
	const head = "wbinstrument logs every OpenAI call of a Go program"
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		if code, out, errs := cli(args...); code != 0 || !strings.HasPrefix(out, head) || errs != "" {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
		}
	}
	if code, out, errs := cli(); code != 2 || out != "" || !strings.HasPrefix(errs, head) {
		t.Errorf("no arguments: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

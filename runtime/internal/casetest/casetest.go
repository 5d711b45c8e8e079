// Package casetest holds the table-test loop the runtime's packages
// share in their tests. It is imported by test files only, so the
// testing package never reaches a user's program.
package casetest

import "testing"

// Strings checks f on every input of cases against the output wanted
// for it, reporting each miss as name(input) = got, want wanted.
func Strings(t testing.TB, name string, f func(string) string, cases map[string]string) {
	t.Helper()
	for in, want := range cases {
		if got := f(in); got != want {
			t.Errorf("%s(%q) = %q, want %q", name, in, got, want)
		}
	}
}

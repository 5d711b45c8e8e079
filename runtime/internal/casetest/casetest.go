// Package casetest holds what the runtime's packages' tests share: a
// table-test loop and encoding/json as the oracle of a JSON string's
// bytes. It is imported by test files only, so the testing package never
// reaches a user's program.
package casetest

import (
	"bytes"
	"encoding/json"
	"testing"
)

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

// JSONString is what encoding/json writes for s: with html, json.Marshal's
// bytes; without, an Encoder's with SetEscapeHTML(false) (as W&B's
// json.dumps, which the trace's dumps follow, escapes).
func JSONString(t testing.TB, s string, html bool) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	if html {
		// Encoder and json.Marshal agree with HTML escaping on; checked
		// here so a difference would show as a failure, not pass unseen.
		if m, _ := json.Marshal(s); string(m)+"\n" != b.String() {
			t.Fatalf("json.Marshal(%q) = %s, Encoder %s", s, m, b.Bytes())
		}
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

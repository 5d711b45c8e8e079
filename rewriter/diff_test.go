package rewriter

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// diffCases are small edits with the output of diff -u (headers aside),
// checked by hand: removed lines before added ones in every hunk, one-line
// ranges without a count, empty ranges at the line before.
var diffCases = []struct {
	name     string
	old, new string
	want     string // the hunks, after the ---/+++ lines
}{
	{
		name: "one line replaced",
		old:  "a\nb\nc\nd\ne\n",
		new:  "a\nb\nC\nd\ne\n",
		want: "@@ -1,5 +1,5 @@\n a\n b\n-c\n+C\n d\n e\n",
	},
	{
		name: "wrapped call",
		old:  "package main\n\nfunc main() {\n\tresp, err := c.CreateChatCompletion(ctx, req)\n\t_ = resp\n\t_ = err\n}\n",
		new:  "package main\n\nfunc main() {\n\tdefer wbiFinish()\n\tresp, err := wbiCall1(c.CreateChatCompletion, \"main.go:4\")(ctx, req)\n\t_ = resp\n\t_ = err\n}\n",
		want: "@@ -1,7 +1,8 @@\n package main\n \n func main() {\n-\tresp, err := c.CreateChatCompletion(ctx, req)\n+\tdefer wbiFinish()\n+\tresp, err := wbiCall1(c.CreateChatCompletion, \"main.go:4\")(ctx, req)\n \t_ = resp\n \t_ = err\n }\n",
	},
	{
		name: "two lines become three",
		old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
		new:  "1\n2\n3\n4\n5\nfive\nsix\nseven\n8\n9\n10\n11\n12\n",
		want: "@@ -3,8 +3,9 @@\n 3\n 4\n 5\n-6\n-7\n+five\n+six\n+seven\n 8\n 9\n 10\n",
	},
	{
		name: "two hunks",
		old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
		new:  "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\nsixteen\n",
		want: "@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -13,4 +13,4 @@\n 13\n 14\n 15\n-16\n+sixteen\n",
	},
	{
		name: "one-line file",
		old:  "x\n",
		new:  "y\n",
		want: "@@ -1 +1 @@\n-x\n+y\n",
	},
	{
		name: "insertion only",
		old:  "a\nb\n",
		new:  "a\nnew\nb\n",
		want: "@@ -1,2 +1,3 @@\n a\n+new\n b\n",
	},
	{
		name: "no newline at end",
		old:  "a\nb",
		new:  "a\nb\nc\n",
		want: "@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n",
	},
}

func TestUnifiedDiffOrder(t *testing.T) {
	for _, c := range diffCases {
		got := unifiedDiff("f.go", []byte(c.old), []byte(c.new))
		want := "--- a/f.go\n+++ b/f.go\n" + c.want
		if got != want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", c.name, got, want)
		}
	}
}

func TestUnifiedDiffNewAndDeletedFile(t *testing.T) {
	if got, want := unifiedDiff("gen.go", nil, []byte("package a\n\nvar x = 1\n")), "--- /dev/null\n+++ b/gen.go\n@@ -0,0 +1,3 @@\n+package a\n+\n+var x = 1\n"; got != want {
		t.Errorf("new file:\ngot:\n%s\nwant:\n%s", got, want)
	}
	if got, want := unifiedDiff("gen.go", []byte("package a\n"), nil), "--- a/gen.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-package a\n"; got != want {
		t.Errorf("deleted file:\ngot:\n%s\nwant:\n%s", got, want)
	}
}

// TestUnifiedDiffMatchesDiffU checks the hand-written expectations against
// the system's diff -u, where there is one.
func TestUnifiedDiffMatchesDiffU(t *testing.T) {
	diff, err := exec.LookPath("diff")
	if err != nil {
		t.Skip("no diff on PATH")
	}
	dir := t.TempDir()
	for _, c := range diffCases {
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		if err := os.WriteFile(a, []byte(c.old), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(b, []byte(c.new), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(diff, "-u", a, b).Output()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("%s: diff -u: %v", c.name, err)
		}
		// Drop the --- and +++ lines, which carry the temp paths and times.
		lines := strings.SplitAfterN(string(out), "\n", 3)
		if len(lines) < 3 || lines[2] != c.want {
			t.Errorf("%s: diff -u prints\n%s\nthe test expects\n%s", c.name, out, c.want)
		}
	}
}

// TestUnifiedDiffApplies applies the diffs of random edits back to the
// old text: the reordering within hunks must keep each hunk valid.
func TestUnifiedDiffApplies(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	words := []string{"a\n", "b\n", "c\n", "}\n", "\n"}
	for n := 0; n < 500; n++ {
		var old []string
		for i := r.Intn(30); i > 0; i-- {
			old = append(old, words[r.Intn(len(words))])
		}
		var new []string
		for _, l := range old {
			switch r.Intn(6) {
			case 0: // drop
			case 1:
				new = append(new, "x\n", l)
			case 2:
				new = append(new, "y\n")
			default:
				new = append(new, l)
			}
		}
		o, w := strings.Join(old, ""), strings.Join(new, "")
		if o == w {
			continue
		}
		d := unifiedDiff("f", []byte(o), []byte(w))
		if got := applyDiff(t, old, d); got != w {
			t.Fatalf("old %q new %q: the diff\n%s\ngives %q", o, w, d, got)
		}
	}
}

// applyDiff applies a unified diff of whole lines to old.
func applyDiff(t *testing.T, old []string, d string) string {
	t.Helper()
	var out []string
	next := 0 // index in old of the next line not yet copied
	lines := strings.SplitAfter(d, "\n")
	for _, l := range lines[2:] {
		switch {
		case l == "":
		case strings.HasPrefix(l, "@@ "):
			var as, an int
			if _, err := fmt.Sscanf(l, "@@ -%d,%d", &as, &an); err != nil {
				an = 1
				fmt.Sscanf(l, "@@ -%d", &as)
			}
			if an == 0 {
				as++
			}
			out = append(out, old[next:as-1]...)
			next = as - 1
		case l[0] == ' ' || l[0] == '-':
			if old[next] != l[1:] {
				t.Fatalf("hunk line %q does not match old line %d %q in\n%s", l, next+1, old[next], d)
			}
			if l[0] == ' ' {
				out = append(out, old[next])
			}
			next++
		case l[0] == '+':
			out = append(out, l[1:])
		default:
			t.Fatalf("bad diff line %q in\n%s", l, d)
		}
	}
	out = append(out, old[next:]...)
	return strings.Join(out, "")
}

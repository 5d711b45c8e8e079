package wandb

import (
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"

	"github.com/wbinstrument/wbinstrument/runtime/internal/casetest"
)

// TestEnvironmentRoundTrip decodes what the writer encodes, and pins the
// environment golden file's record.
func TestEnvironmentRoundTrip(t *testing.T) {
	r := &Run{start: time.Date(2024, 3, 1, 12, 30, 45, 1e6, time.UTC)}
	env := fixedEnvironment(r).record
	b, err := wandbfile.AppendRecord(nil, &wandbfile.Record{Num: 4, Environment: env})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := wandbfile.DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Type != wandbfile.TypeEnvironment || !reflect.DeepEqual(rec.Environment, env) {
		t.Errorf("decoded %+v, want %+v", rec.Environment, env)
	}
	data, err := wandbfile.ReadRunDir("testdata/environment.wandb")
	if err != nil {
		t.Fatal(err)
	}
	var types []int
	for _, rec := range data.Records[:6] {
		types = append(types, rec.Type)
	}
	// Header, run, config; then the writer's first records: the Go facts
	// and the environment; then the glob.
	if want := []int{wandbfile.TypeHeader, wandbfile.TypeRun, wandbfile.TypeConfig, wandbfile.TypeConfig, wandbfile.TypeEnvironment, wandbfile.TypeMetric}; !reflect.DeepEqual(types, want) {
		t.Errorf("record types %v, want %v", types, want)
	}
	if e := data.Records[4].Environment; e == nil || e.GitCommit != env.GitCommit || e.Host != "testhost" {
		t.Errorf("golden environment %+v", e)
	}
}

func TestRedactArgs(t *testing.T) {
	args := []string{"-n", "3", "--api-key", "abc123", "--token=xyz", "-model", "gpt-4o",
		"sk-proj-abcdefghijklmnopqrstuvwxyz", "OPENAI_API_KEY=sk-abcdefghijklmnopqrstu", "contains-the-wandb-key-k1k2k3k4", "--password",
		"azure-key-98765432", "short"}
	got := redactArgs(args, "k1k2k3k4", "98765432", "", "short")
	want := []string{"-n", "3", "--api-key", "***", "--token=***", "-model", "gpt-4o", "***", "***", "***", "--password", "***", "short"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("redactArgs\n got %q\nwant %q", got, want)
	}
	if args[3] != "abc123" {
		t.Error("redactArgs changed its input")
	}
}

func TestStripCredentials(t *testing.T) {
	casetest.Strings(t, "stripCredentials", stripCredentials, map[string]string{
		"https://user:ghp_secret@github.com/o/r.git": "https://github.com/o/r.git",
		"https://github.com/o/r":                     "https://github.com/o/r",
		"git@github.com:o/r.git":                     "git@github.com:o/r.git",
		"ssh://git@host:22/o/r":                      "ssh://host:22/o/r",
		"https://%zz@host/x":                         "",
	})
}

// TestGitRemote reads origin from a checkout at the build commit, and
// says nothing for a checkout at another commit.
func TestGitRemote(t *testing.T) {
	dir := t.TempDir()
	git := dir + "/.git"
	commit := "0123456789abcdef0123456789abcdef01234567"
	for name, content := range map[string]string{
		"HEAD":             "ref: refs/heads/main\n",
		"packed-refs":      "# pack-refs with: peeled\n" + commit + " refs/heads/main\n",
		"config":           "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = https://bot:tok@example.com/o/r.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
		"refs/heads/.keep": "",
	} {
		p := git + "/" + name
		if err := os.MkdirAll(p[:strings.LastIndex(p, "/")], 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sub := dir + "/cmd/bot"
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := gitRemote(sub, commit); got != "https://example.com/o/r.git" {
		t.Errorf("remote %q", got)
	}
	if got := gitRemote(sub, "ffffffffffffffffffffffffffffffffffffffff"); got != "" {
		t.Errorf("remote of a checkout at another commit: %q", got)
	}
}

// TestGatherEnvironment gathers this test binary's environment: what can
// be known is there, nothing fails, and the API key never appears.
func TestGatherEnvironment(t *testing.T) {
	h := testHooks(io.Discard)
	h.environment = gatherEnvironment
	r := mustInit(t, Options{Dir: t.TempDir(), APIKey: "wandb-key-0123456789", Mode: "offline",
		Modules: []string{"github.com/no/such-module"}}, h)
	env := gatherEnvironment(r)
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	e := env.record
	if e.OS == "" || e.Host != "testhost" || e.Program == "" || e.Executable == "" || e.CPUCountLogical == 0 ||
		len(e.WriterID) != 32 || !e.StartedAt.Equal(r.start) {
		t.Errorf("environment %+v", e)
	}
	if env.config["go_version"] == nil || env.config["version"] != Version {
		t.Errorf("Go facts %v", env.config)
	}
	if _, ok := env.config["modules"]; ok {
		t.Errorf("a module the binary does not contain was reported: %v", env.config)
	}
	if b, err := wandbfile.AppendRecord(nil, &wandbfile.Record{Environment: e}); err != nil || strings.Contains(string(b), "wandb-key-0123456789") {
		t.Error("the API key reached the environment")
	}
	// The run's log holds it, after the run's own records.
	data := readRun(t, r)
	if data.Records[2].Type != wandbfile.TypeConfig || data.Records[3].Environment == nil {
		t.Errorf("record types %v", recordTypes(data))
	}
}

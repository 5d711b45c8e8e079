package online

import (
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// TestMetadataJSON pins wandb-metadata.json as protojson writes the
// EnvironmentRecord (JSON names from wandb_internal.proto's json_name
// options, field-number order, uint64 as a string).
func TestMetadataJSON(t *testing.T) {
	// package wandb's fixedEnvironment (run_test.go), as its golden
	// environment run writes it
	env := &wandbfile.EnvironmentRecord{
		OS: "Linux-6.1.0-18-amd64-x86_64", StartedAt: time.Date(2024, 3, 1, 12, 30, 45, 1e6, time.UTC),
		Args: []string{"-n", "3"}, Program: "example.com/bot/cmd/bot", CodePath: "cmd/bot",
		GitRemote: "https://github.com/example/bot", GitCommit: "0123456789abcdef0123456789abcdef01234567",
		Root: "/home/u/bot", Host: "testhost", Username: "u", Executable: "/home/u/bot/bot",
		CPUCount: 4, CPUCountLogical: 8, MemoryTotal: 16 << 30, WriterID: "w0000000000000000000000000000001",
	}
	got := string(metadataJSON(env))
	want := `{
  "os": "Linux-6.1.0-18-amd64-x86_64",
  "startedAt": "2024-03-01T12:30:45.001Z",
  "args": [
    "-n",
    "3"
  ],
  "program": "example.com/bot/cmd/bot",
  "codePath": "cmd/bot",
  "git": {
    "remote": "https://github.com/example/bot",
    "commit": "0123456789abcdef0123456789abcdef01234567"
  },
  "root": "/home/u/bot",
  "host": "testhost",
  "username": "u",
  "executable": "/home/u/bot/bot",
  "cpu_count": 4,
  "cpu_count_logical": 8,
  "memory": {
    "total": "17179869184"
  },
  "writerId": "w0000000000000000000000000000001"
}`
	if got != want {
		t.Errorf("metadata\n%s\nwant\n%s", got, want)
	}
	if got := string(metadataJSON(&wandbfile.EnvironmentRecord{})); got != "{}" {
		t.Errorf("empty record: %s", got)
	}
	for ns, want := range map[int]string{0: "12:30:45Z", 1e6: "12:30:45.001Z", 1500: "12:30:45.000001500Z", 2000: "12:30:45.000002Z"} {
		if got := protoTimestamp(time.Date(2024, 3, 1, 12, 30, 45, ns, time.UTC)); got != "2024-03-01T"+want {
			t.Errorf("%d ns: %s", ns, got)
		}
	}
}

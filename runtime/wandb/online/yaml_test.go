package online

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestConfigYAMLMatchesYAMLv3 pins config.yaml for a config with W&B's
// internal entries. The expected text is what gopkg.in/yaml.v3 v3.0.1
// writes for the same config parsed as simplejsonext parses it (W&B's
// runconfig.Serialize); internal/fakewandb compares the two on whole runs.
func TestConfigYAMLMatchesYAMLv3(t *testing.T) {
	cfg := map[string]json.RawMessage{
		"model": json.RawMessage(`"gpt-4o"`), "n": json.RawMessage(`3`), "t": json.RawMessage(`0.5`),
		"sys": json.RawMessage(`"a\nb\n"`), "v": json.RawMessage(`"1.10"`), "yes": json.RawMessage(`"no"`),
		"k10": json.RawMessage(`[1,{"b":null,"a":[]}]`), "k2": json.RawMessage(`{}`),
		"_wandb": json.RawMessage(`{"m":[{"1":"usage/total_tokens","5":2,"6":[1,3],"7":[]},{"1":"_timestamp","6":[],"7":[]}],` +
			`"e":{"w1":{"startedAt":"2024-03-01T12:30:45.001Z","memory":{"total":"17179869184"},"args":["-n","3"]}}}`),
	}
	want := `_wandb:
    value:
        e:
            w1:
                args:
                    - -n
                    - "3"
                memory:
                    total: "17179869184"
                startedAt: "2024-03-01T12:30:45.001Z"
        m:
            - "1": usage/total_tokens
              "5": 2
              "6":
                - 1
                - 3
              "7": []
            - "1": _timestamp
              "6": []
              "7": []
k2:
    value: {}
k10:
    value:
        - 1
        - a: []
          b: null
model:
    value: gpt-4o
"n":
    value: 3
sys:
    value: |
        a
        b
t:
    value: 0.5
v:
    value: "1.10"
"yes":
    value: "no"
`
	got, err := configYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("config.yaml\n%s\nwant\n%s", got, want)
	}
}

// TestConfigYAMLStyles pins yaml.v3's choices for keys and strings that
// need care: a key over 128 bytes and a multi-line key (written after
// "? "), emoji and tabs (escaped in double quotes), YAML syntax at the
// start of a string or ": " and " #" inside it (single quotes), the empty
// string, and a line separator (written raw, the next line indented). The
// expected text is gopkg.in/yaml.v3 v3.0.1's output for the same values.
func TestConfigYAMLStyles(t *testing.T) {
	cfg := map[string]json.RawMessage{
		strings.Repeat("k", 129): json.RawMessage(`[1,{"a":"x"}]`),
		"two\nlines":             json.RawMessage(`"a\u2028b"`),
		"emoji":                  json.RawMessage(`"ok \ud83d\ude00\ttab"`),
		"lead":                   json.RawMessage(`[" x","- y","? z","it's","#c","a #b","k: v",""]`),
	}
	want := "emoji:\n    value: \"ok \\U0001F600\\ttab\"\n" +
		"? " + strings.Repeat("k", 129) + "\n:   value:\n        - 1\n        - a: x\n" +
		"lead:\n    value:\n        - ' x'\n        - '- y'\n        - '? z'\n        - it's\n        - '#c'\n        - 'a #b'\n        - 'k: v'\n        - \"\"\n" +
		"? |-\n    two\n    lines\n:   value: 'a\u2028        b'\n"
	got, err := configYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("config.yaml\n%q\nwant\n%q", got, want)
	}
}

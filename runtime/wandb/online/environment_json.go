package online

// The two JSON forms W&B's sender makes of the run's EnvironmentRecord
// (wandbfile/environment.go has the record), read from
// github.com/wandb/wandb:
//
//   - core/internal/stream/sender.go: sendEnvironment and
//     uploadMetadataFile, which upload wandb-metadata.json as soon as the
//     record arrives;
//   - core/internal/runenvironment/runenvironment.go: ToJSON (protojson
//     with a two-space indent: that is wandb-metadata.json) and
//     ToRunConfigData (the same JSON, parsed, under the writer id, which
//     runconfig.AddInternalData stores at _wandb.e of the run config).

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/internal/jsonenc"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// metadataJSON is wandb-metadata.json as W&B's RunEnvironment.ToJSON
// writes it: protojson with a two-space indent, so fields in field-number
// order under their JSON names ("startedAt", "codePath", "cpu_count"...),
// zero values left out, a Timestamp in RFC 3339 UTC with 0, 3, 6 or 9
// fractional digits, and a uint64 as a decimal string. (protojson may add
// a random second space after a colon to keep readers from depending on
// its whitespace; this writes one.)
func metadataJSON(e *wandbfile.EnvironmentRecord) []byte {
	b := []byte{'{'}
	n := 0
	key := func(k string) {
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, "\n  "...)
		b = appendProtoJSONString(b, k)
		b = append(b, ": "...)
	}
	str := func(k, v string) {
		if v != "" {
			key(k)
			b = appendProtoJSONString(b, v)
		}
	}
	str("os", e.OS)
	str("python", e.Python)
	if !e.StartedAt.IsZero() {
		key("startedAt")
		b = appendProtoJSONString(b, protoTimestamp(e.StartedAt))
	}
	if len(e.Args) > 0 {
		key("args")
		b = append(b, '[')
		for i, a := range e.Args {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n    "...)
			b = appendProtoJSONString(b, a)
		}
		b = append(b, "\n  ]"...)
	}
	str("program", e.Program)
	str("codePath", e.CodePath)
	str("codePathLocal", e.CodePathLocal)
	if e.GitRemote != "" || e.GitCommit != "" {
		key("git")
		b = append(b, '{')
		if e.GitRemote != "" {
			b = append(b, "\n    \"remote\": "...)
			b = appendProtoJSONString(b, e.GitRemote)
			if e.GitCommit != "" {
				b = append(b, ',')
			}
		}
		if e.GitCommit != "" {
			b = append(b, "\n    \"commit\": "...)
			b = appendProtoJSONString(b, e.GitCommit)
		}
		b = append(b, "\n  }"...)
	}
	str("email", e.Email)
	str("root", e.Root)
	str("host", e.Host)
	str("username", e.Username)
	str("executable", e.Executable)
	if e.CPUCount != 0 {
		key("cpu_count")
		b = strconv.AppendUint(b, uint64(e.CPUCount), 10)
	}
	if e.CPUCountLogical != 0 {
		key("cpu_count_logical")
		b = strconv.AppendUint(b, uint64(e.CPUCountLogical), 10)
	}
	if e.MemoryTotal != 0 {
		key("memory")
		b = append(b, "{\n    \"total\": \""...)
		b = strconv.AppendUint(b, e.MemoryTotal, 10)
		b = append(b, "\"\n  }"...)
	}
	str("writerId", e.WriterID)
	if n == 0 {
		return append(b, '}')
	}
	return append(b, "\n}"...)
}

// appendProtoJSONString quotes s as protojson does: unlike json.Marshal
// it leaves <, > and & alone.
func appendProtoJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = jsonenc.AppendEscaped(b, s)
	return append(b, '"')
}

// protoTimestamp formats t as protojson does a google.protobuf.Timestamp.
func protoTimestamp(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	ns := t.Nanosecond()
	switch {
	case ns == 0:
	case ns%1e6 == 0:
		s += "." + strconv.Itoa(ns/1e6 + 1000)[1:]
	case ns%1e3 == 0:
		s += "." + strconv.Itoa(ns/1e3 + 1e6)[1:]
	default:
		s += "." + strconv.Itoa(ns + 1e9)[1:]
	}
	return s + "Z"
}

// configValue is the value of _wandb.e in the run config: the metadata
// JSON, parsed, under the writer id (ToRunConfigData), or nil when the
// record is empty.
func configValue(e *wandbfile.EnvironmentRecord, writerID string) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(metadataJSON(e), &m) != nil || len(m) == 0 {
		return nil
	}
	b, err := json.Marshal(map[string]map[string]json.RawMessage{writerID: m})
	if err != nil {
		return nil
	}
	return b
}

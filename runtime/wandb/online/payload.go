package online

// The W&B API payloads the sender builds: pure functions from run data to
// request bodies, kept apart from the HTTP code so they can be checked
// byte for byte.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/internal/jsonenc"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// upsertBucketQuery is W&B's UpsertBucket mutation, trimmed to the inputs
// and answer fields the sender uses.
const upsertBucketQuery = `mutation UpsertBucket($id: String, $name: String, $project: String, $entity: String, $groupName: String, $description: String, $displayName: String, $notes: String, $config: JSONString, $host: String, $jobType: String, $tags: [String!]) {
  upsertBucket(input: {id: $id, name: $name, groupName: $groupName, modelName: $project, entityName: $entity, description: $description, displayName: $displayName, notes: $notes, config: $config, host: $host, jobType: $jobType, tags: $tags}) {
    bucket {
      id
      name
      displayName
      project {
        id
        name
        entity {
          id
          name
        }
      }
    }
    inserted
  }
}`

// createRunFilesQuery asks for one upload URL per file of a run.
const createRunFilesQuery = `mutation CreateRunFiles($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
  createRunFiles(input: {entityName: $entity, projectName: $project, runName: $run, files: $files}) {
    runID
    uploadHeaders
    files {
      name
      uploadUrl
    }
  }
}`

// runInfo is what UpsertBucket tells W&B about a run.
type runInfo struct {
	ID, Entity, Project string
	DisplayName, Notes  string
	Group, JobType      string
	Host                string
	Tags                []string
}

// upsertVars builds the UpsertBucket variables. Empty strings are left out
// (null), so an upsert never clears what an earlier one set, and an empty
// entity or project means the key owner's defaults, as in W&B.
func upsertVars(ri *runInfo, config map[string]json.RawMessage) (map[string]interface{}, error) {
	v := map[string]interface{}{"name": ri.ID}
	opt := func(name, val string) {
		if val != "" {
			v[name] = val
		}
	}
	opt("entity", ri.Entity)
	opt("project", ri.Project)
	opt("displayName", ri.DisplayName)
	opt("notes", ri.Notes)
	opt("groupName", ri.Group)
	opt("jobType", ri.JobType)
	opt("host", ri.Host)
	if len(ri.Tags) > 0 {
		v["tags"] = ri.Tags
	}
	if config != nil {
		s, err := configJSON(config)
		if err != nil {
			return nil, err
		}
		v["config"] = s
	}
	return v, nil
}

// configJSON is the config as W&B's JSONString wants it:
// {"key": {"value": v, "desc": null}, ...}, keys sorted.
func configJSON(config map[string]json.RawMessage) (string, error) {
	type entry struct {
		Value json.RawMessage `json:"value"`
		Desc  *string         `json:"desc"`
	}
	m := make(map[string]entry, len(config))
	for k, raw := range config {
		if !json.Valid(raw) {
			return "", fmt.Errorf("wandb: config key %q holds invalid JSON", k)
		}
		m[k] = entry{Value: raw}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("wandb: encoding config: %v", err)
	}
	return string(b), nil
}

// historyLine encodes one history row as a wandb-history.jsonl line: a
// JSON object of the row's items in record order, values verbatim. A value
// that is not valid JSON becomes null rather than breaking the line; a row
// without _step gets it from the record's step.
func historyLine(h *wandbfile.HistoryRecord) []byte {
	b := make([]byte, 0, 64+32*len(h.Items))
	b = append(b, '{')
	seen := false
	hasStep := false
	for i := range h.Items {
		it := &h.Items[i]
		key := it.FullKey()
		if key == "_step" {
			hasStep = true
		}
		if seen {
			b = append(b, ',')
		}
		seen = true
		b = jsonenc.AppendString(b, key)
		b = append(b, ':')
		if len(it.ValueJSON) == 0 || !json.Valid(it.ValueJSON) {
			b = append(b, "null"...)
		} else {
			b = appendCompact(b, it.ValueJSON)
		}
	}
	if !hasStep {
		if seen {
			b = append(b, ',')
		}
		b = append(b, `"_step":`...)
		b = strconv.AppendInt(b, h.Step, 10)
	}
	return append(b, '}')
}

// appendCompact appends valid JSON without insignificant whitespace, so
// a row stays one line whatever encoder produced its values.
func appendCompact(b, raw []byte) []byte {
	if bytes.IndexByte(raw, '\n') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		return append(b, raw...)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return append(b, "null"...)
	}
	return append(b, buf.Bytes()...)
}

// summaryJSON encodes the folded summary as the one line of
// wandb-summary.json, keys sorted.
func summaryJSON(summary map[string]json.RawMessage) (string, error) {
	keys := make([]string, 0, len(summary))
	for k := range summary {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, k)
		b = append(b, ':')
		if !json.Valid(summary[k]) {
			return "", fmt.Errorf("wandb: summary key %q holds invalid JSON", k)
		}
		b = appendCompact(b, summary[k])
	}
	return string(append(b, '}')), nil
}

// outputLine formats a console line as W&B's output.log holds it: an
// ISO timestamp, and "ERROR " in front for stderr.
func outputLine(o *wandbfile.OutputRawRecord) string {
	ts := o.Timestamp
	if ts == "" {
		ts = time.Now().UTC().Format("2006-01-02T15:04:05.000000")
	}
	line := o.Line
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	if o.OutputType == 0 {
		return "ERROR " + ts + " " + line
	}
	return ts + " " + line
}

// streamFile is one file's part of a file_stream request.
type streamFile struct {
	Offset  int      `json:"offset"`
	Content []string `json:"content"`
}

// fileStreamBody encodes a file_stream request. complete marks the last
// one, which carries the exit code; uploaded names files whose upload
// finished (W&B's FileStreamRequestJSON "uploaded", left out when empty).
func fileStreamBody(files map[string]streamFile, complete bool, exitCode int, uploaded ...string) ([]byte, error) {
	if files == nil {
		files = map[string]streamFile{}
	}
	req := struct {
		Files    map[string]streamFile `json:"files"`
		Uploaded []string              `json:"uploaded,omitempty"`
		Complete bool                  `json:"complete,omitempty"`
		ExitCode *int                  `json:"exitcode,omitempty"`
	}{Files: files, Uploaded: uploaded}
	if complete {
		req.Complete = true
		req.ExitCode = &exitCode
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("wandb: encoding file_stream request: %v", err)
	}
	return b, nil
}

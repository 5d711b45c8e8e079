package fakewandb

// A model of what W&B's own sync (wandb-core: core/internal/runsync reads
// the log and feeds each record to core/internal/stream/sender.go) leaves
// on a server for a run log. W&B's Go modules cannot be downloaded here,
// so its sync cannot run; this follows its source record by record,
// independently of the runtime's uploader, so that a test can hold our
// sync's result against it:
//
//   - RunRecord, ConfigRecord: runupserter.InitRun / UpdateConfig, the
//     config tree of core/internal/runconfig (nested keys, removes);
//   - MetricRecord: sender.sendMetric -> runupserter.UpdateMetrics, which
//     skips expanded_from_glob records when the server expands globs, and
//     runmetric.RunConfigMetrics.ToRunConfigData, which lists globs only
//     then (_wandb.m);
//   - EnvironmentRecord: sender.sendEnvironment: _wandb.e under the
//     uploader's id, and wandb-metadata.json (runenvironment.ToJSON,
//     protojson with a two-space indent) uploaded at once;
//   - HistoryRecord, SummaryRecord: file_stream lines and summary;
//   - FilesRecord: runfiles uploader, files read from files/;
//   - RunExitRecord (or none: exit code 1): finishRunSync uploads
//     wandb-summary.json (runsummary.Serialize) and config.yaml
//     (runconfig.Serialize, yaml.v3 of {key: {value: v}}), then completes
//     the run, listing every uploaded file.
//
// Not modelled, because they cannot match and no state depends on them:
// _wandb.t (W&B's telemetry, naming its own core version) and the key of
// _wandb.e (W&B uses a random id of the syncing process; ours uses the
// writer id of the record).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// SyncState is a run as a server holds it after a sync.
type SyncState struct {
	History  []interface{}          // each line, parsed
	Summary  map[string]interface{} // the summary, parsed
	Config   map[string]interface{} // key -> value, _wandb.m and _wandb.e apart
	Metrics  map[string]string      // defined metric -> step metric
	Env      interface{}            // the one writer's _wandb.e entry, parsed
	Files    map[string][]byte      // uploaded files, final bytes
	Uploaded []string               // the final "uploaded" list, sorted
	ExitCode int
}

// simpleJSON parses JSON the way W&B's simplejsonext does: integers as
// int64, other numbers as float64.
func simpleJSON(t testing.TB, raw []byte) interface{} {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v interface{}
	if err := d.Decode(&v); err != nil {
		t.Fatalf("value %q: %v", raw, err)
	}
	var conv func(v interface{}) interface{}
	conv = func(v interface{}) interface{} {
		switch x := v.(type) {
		case json.Number:
			if !strings.ContainsAny(string(x), ".eE+") {
				if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
					return i
				}
			}
			f, _ := strconv.ParseFloat(string(x), 64)
			return f
		case map[string]interface{}:
			for k, e := range x {
				x[k] = conv(e)
			}
		case []interface{}:
			for i, e := range x {
				x[i] = conv(e)
			}
		}
		return v
	}
	return conv(v)
}

// plainJSON parses JSON with encoding/json's defaults, to compare values.
func plainJSON(t testing.TB, raw []byte) interface{} {
	t.Helper()
	var v interface{}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("JSON %q: %v", raw, err)
	}
	return v
}

func itemPath(it wandbfile.Item) []string {
	if len(it.NestedKey) > 0 {
		return it.NestedKey
	}
	return []string{it.Key}
}

// setPath and removePath edit a config or summary tree as W&B's pathtree
// does: an object value merges into the subtree, anything else replaces.
func setPath(tree map[string]interface{}, path []string, v interface{}) {
	for _, p := range path[:len(path)-1] {
		sub, ok := tree[p].(map[string]interface{})
		if !ok {
			sub = map[string]interface{}{}
			tree[p] = sub
		}
		tree = sub
	}
	last := path[len(path)-1]
	if m, ok := v.(map[string]interface{}); ok {
		sub, ok := tree[last].(map[string]interface{})
		if !ok {
			sub = map[string]interface{}{}
			tree[last] = sub
		}
		for k, e := range m {
			setPath(sub, []string{k}, e)
		}
		return
	}
	tree[last] = v
}

func removePath(tree map[string]interface{}, path []string) {
	for _, p := range path[:len(path)-1] {
		sub, ok := tree[p].(map[string]interface{})
		if !ok {
			return
		}
		tree = sub
	}
	delete(tree, path[len(path)-1])
}

// modelMetric is W&B's definedMetric, summary settings aside.
type modelMetric struct {
	syncStep, hidden, explicit bool
	step                       string
	goal                       int32
}

func (m modelMetric) with(r *wandbfile.MetricRecord) modelMetric {
	m.syncStep = m.syncStep || r.Options.StepSync
	m.hidden = m.hidden || r.Options.Hidden
	if r.StepMetric != "" {
		m.step = r.StepMetric
	}
	if r.Goal != 0 {
		m.goal = r.Goal
	}
	if r.Name != "" {
		m.explicit = true
	}
	return m
}

// metadataModel is wandb-metadata.json as protojson writes an
// EnvironmentRecord: JSON names, field-number order, zero values left
// out, uint64 as a string, a two-space indent.
func metadataModel(t testing.TB, e *wandbfile.EnvironmentRecord) []byte {
	t.Helper()
	type git struct {
		Remote string `json:"remote,omitempty"`
		Commit string `json:"commit,omitempty"`
	}
	type memory struct {
		Total uint64 `json:"total,omitempty,string"`
	}
	v := struct {
		OS              string   `json:"os,omitempty"`
		Python          string   `json:"python,omitempty"`
		StartedAt       string   `json:"startedAt,omitempty"`
		Args            []string `json:"args,omitempty"`
		Program         string   `json:"program,omitempty"`
		CodePath        string   `json:"codePath,omitempty"`
		CodePathLocal   string   `json:"codePathLocal,omitempty"`
		Git             *git     `json:"git,omitempty"`
		Email           string   `json:"email,omitempty"`
		Root            string   `json:"root,omitempty"`
		Host            string   `json:"host,omitempty"`
		Username        string   `json:"username,omitempty"`
		Executable      string   `json:"executable,omitempty"`
		CPUCount        uint32   `json:"cpu_count,omitempty"`
		CPUCountLogical uint32   `json:"cpu_count_logical,omitempty"`
		Memory          *memory  `json:"memory,omitempty"`
		WriterID        string   `json:"writerId,omitempty"`
	}{
		OS: e.OS, Python: e.Python, Args: e.Args, Program: e.Program, CodePath: e.CodePath,
		CodePathLocal: e.CodePathLocal, Email: e.Email, Root: e.Root, Host: e.Host,
		Username: e.Username, Executable: e.Executable, CPUCount: e.CPUCount,
		CPUCountLogical: e.CPUCountLogical, WriterID: e.WriterID,
	}
	if !e.StartedAt.IsZero() {
		// google.protobuf.Timestamp in protojson: UTC, 0, 3, 6 or 9
		// fractional digits.
		ts := e.StartedAt.UTC()
		s := ts.Format("2006-01-02T15:04:05")
		switch ns := ts.Nanosecond(); {
		case ns == 0:
		case ns%int(time.Millisecond) == 0:
			s += fmt.Sprintf(".%03d", ns/int(time.Millisecond))
		case ns%int(time.Microsecond) == 0:
			s += fmt.Sprintf(".%06d", ns/int(time.Microsecond))
		default:
			s += fmt.Sprintf(".%09d", ns)
		}
		v.StartedAt = s + "Z"
	}
	if e.GitRemote != "" || e.GitCommit != "" {
		v.Git = &git{Remote: e.GitRemote, Commit: e.GitCommit}
	}
	if e.MemoryTotal != 0 {
		v.Memory = &memory{Total: e.MemoryTotal}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// WandbSyncModel computes SyncState for the run directory dir as W&B's
// sync would leave it on a server that expands globs or not.
func WandbSyncModel(t testing.TB, dir string, serverExpandsGlobs bool) SyncState {
	t.Helper()
	data, err := wandbfile.ReadRunDir(dir)
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	st := SyncState{Summary: map[string]interface{}{}, Files: map[string][]byte{}, ExitCode: 1}
	config := map[string]interface{}{}
	summary := map[string]interface{}{}
	defined := map[string]modelMetric{}
	globs := map[string]modelMetric{}
	var env *wandbfile.EnvironmentRecord
	seenRun, exited := false, false
	apply := func(tree map[string]interface{}, update, remove []wandbfile.Item) {
		for _, it := range update {
			setPath(tree, itemPath(it), simpleJSON(t, it.ValueJSON))
		}
		for _, it := range remove {
			removePath(tree, itemPath(it))
		}
	}
	for _, rec := range data.Records {
		if exited {
			break // W&B's sync stops reading at the exit record
		}
		switch {
		case rec.Run != nil && !seenRun:
			seenRun = true
			if rec.Run.Config != nil {
				apply(config, rec.Run.Config.Update, rec.Run.Config.Remove)
			}
		case rec.Config != nil:
			apply(config, rec.Config.Update, rec.Config.Remove)
		case rec.Metric != nil:
			m := rec.Metric
			if serverExpandsGlobs && m.ExpandedFromGlob {
				continue
			}
			switch {
			case m.Name != "":
				prev := defined[m.Name]
				if m.Overwrite {
					prev = modelMetric{}
				}
				defined[m.Name] = prev.with(m)
			case m.GlobName != "":
				prev := globs[m.GlobName]
				if m.Overwrite {
					prev = modelMetric{}
				}
				globs[m.GlobName] = prev.with(m)
			}
		case rec.Environment != nil:
			if env == nil {
				env = &wandbfile.EnvironmentRecord{}
			}
			merged := *env
			e := rec.Environment
			// proto.Merge: set scalars replace, lists append.
			for _, f := range []struct {
				dst *string
				v   string
			}{{&merged.OS, e.OS}, {&merged.Python, e.Python}, {&merged.Program, e.Program},
				{&merged.CodePath, e.CodePath}, {&merged.CodePathLocal, e.CodePathLocal},
				{&merged.GitRemote, e.GitRemote}, {&merged.GitCommit, e.GitCommit}, {&merged.Email, e.Email},
				{&merged.Root, e.Root}, {&merged.Host, e.Host}, {&merged.Username, e.Username},
				{&merged.Executable, e.Executable}, {&merged.WriterID, e.WriterID}} {
				if f.v != "" {
					*f.dst = f.v
				}
			}
			if !e.StartedAt.IsZero() {
				merged.StartedAt = e.StartedAt
			}
			merged.Args = append(append([]string(nil), merged.Args...), e.Args...)
			if e.CPUCount != 0 {
				merged.CPUCount = e.CPUCount
			}
			if e.CPUCountLogical != 0 {
				merged.CPUCountLogical = e.CPUCountLogical
			}
			if e.MemoryTotal != 0 {
				merged.MemoryTotal = e.MemoryTotal
			}
			env = &merged
			st.Files["wandb-metadata.json"] = metadataModel(t, env)
		case rec.History != nil:
			line := map[string]interface{}{}
			for _, it := range rec.History.Items {
				setPath(line, itemPath(it), simpleJSON(t, it.ValueJSON))
			}
			st.History = append(st.History, plainJSON(t, mustMarshalJSON(t, line)))
		case rec.Summary != nil:
			apply(summary, rec.Summary.Update, rec.Summary.Remove)
		case rec.Files != nil:
			for _, f := range rec.Files.Files {
				b, err := os.ReadFile(filepath.Join(dir, "files", filepath.FromSlash(f.Path)))
				if err != nil {
					continue // the runfiles uploader skips a missing file
				}
				st.Files[f.Path] = b
			}
		case rec.Exit != nil:
			exited = true
			st.ExitCode = int(rec.Exit.ExitCode)
		}
	}

	// _wandb.m as ToRunConfigData builds it, read back as the app does.
	st.Metrics = map[string]string{}
	for name, m := range defined {
		st.Metrics[name] = m.step
		if m.step != "" {
			if _, ok := st.Metrics[m.step]; !ok {
				st.Metrics[m.step] = "" // the step metric's own entry
			}
		}
	}
	if serverExpandsGlobs {
		for glob, m := range globs {
			if _, ok := st.Metrics[m.step]; !ok && m.step != "" {
				st.Metrics[m.step] = "" // listed with the glob
			}
			for _, row := range st.History {
				for k := range row.(map[string]interface{}) {
					if _, ok := st.Metrics[k]; !ok && !strings.HasPrefix(k, "_") && strings.HasPrefix(k, strings.TrimSuffix(glob, "*")) {
						st.Metrics[k] = m.step
					}
				}
			}
		}
	}
	st.Summary = plainJSON(t, mustMarshalJSON(t, summary)).(map[string]interface{})
	st.Config = plainJSON(t, mustMarshalJSON(t, config)).(map[string]interface{})
	if env != nil {
		st.Env = plainJSON(t, st.Files["wandb-metadata.json"])
	}

	// At finish: the summary and config files. config.yaml is yaml.v3 of
	// the config with W&B's internal entries as the upserter holds it at
	// the end; CompareWithModel checks it against the config the server
	// holds (whose _wandb.m and _wandb.e it compares to this model).
	st.Files["wandb-summary.json"] = mustMarshalJSON(t, summary)
	st.Files["config.yaml"] = nil
	for name := range st.Files {
		st.Uploaded = append(st.Uploaded, name)
	}
	sort.Strings(st.Uploaded)
	return st
}

func mustMarshalJSON(t testing.TB, v interface{}) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serverState reads what the fake holds for a run into a SyncState.
func serverState(t testing.TB, run Run, expandGlobs bool) SyncState {
	t.Helper()
	st := SyncState{Files: map[string][]byte{}, Uploaded: append([]string(nil), run.FinalUploaded...)}
	rows, err := run.History()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		st.History = append(st.History, plainJSON(t, mustMarshalJSON(t, row)))
	}
	sum, err := run.Summary()
	if err != nil {
		t.Fatal(err)
	}
	st.Summary = plainJSON(t, mustMarshalJSON(t, sum)).(map[string]interface{})
	cfg, err := run.ConfigValues()
	if err != nil {
		t.Fatal(err)
	}
	st.Config = plainJSON(t, mustMarshalJSON(t, cfg)).(map[string]interface{})
	if st.Metrics, err = run.MetricSteps(expandGlobs); err != nil {
		t.Fatal(err)
	}
	for name, b := range run.Uploads {
		st.Files[name] = b
	}
	if run.ExitCode != nil {
		st.ExitCode = *run.ExitCode
	}
	sort.Strings(st.Uploaded)
	return st
}

// yamlOfConfig is config.yaml as W&B writes it for the config the server
// holds: yaml.v3 of {key: {value: v}}, values typed as simplejsonext
// types them.
func yamlOfConfig(t testing.TB, run Run) []byte {
	t.Helper()
	var wrapped map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(run.Config), &wrapped); err != nil {
		t.Fatal(err)
	}
	tree := map[string]interface{}{}
	for k, v := range wrapped {
		tree[k] = map[string]interface{}{"value": simpleJSON(t, v.Value)}
	}
	b, err := yaml.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// CompareWithModel asserts the fake holds for run what W&B's sync would
// leave (model): same history, summary, config (user keys, metric
// definitions, environment), files with the same bytes, each uploaded
// once, all listed in the final request, and the same exit code.
func CompareWithModel(t testing.TB, model SyncState, run Run, expandGlobs bool) {
	t.Helper()
	got := serverState(t, run, expandGlobs)
	if !reflect.DeepEqual(got.History, model.History) {
		t.Errorf("history differs:\n ours %s\n W&B  %s", mustMarshalJSON(t, got.History), mustMarshalJSON(t, model.History))
	}
	if !reflect.DeepEqual(got.Summary, model.Summary) {
		t.Errorf("summary differs:\n ours %s\n W&B  %s", mustMarshalJSON(t, got.Summary), mustMarshalJSON(t, model.Summary))
	}
	internal, _ := got.Config["_wandb"].(map[string]interface{})
	userCfg := map[string]interface{}{}
	for k, v := range got.Config {
		if k != "_wandb" {
			userCfg[k] = v
		}
	}
	if !reflect.DeepEqual(userCfg, model.Config) {
		t.Errorf("config differs:\n ours %s\n W&B  %s", mustMarshalJSON(t, userCfg), mustMarshalJSON(t, model.Config))
	}
	for k := range internal {
		if k != "m" && k != "e" {
			t.Errorf("config _wandb.%s uploaded; W&B's sync of this log sends only m, e (and its own t)", k)
		}
	}
	if !reflect.DeepEqual(got.Metrics, model.Metrics) {
		t.Errorf("metric definitions (expand globs %v) differ:\n ours %v\n W&B  %v", expandGlobs, got.Metrics, model.Metrics)
	}
	if model.Env != nil {
		e, _ := internal["e"].(map[string]interface{})
		if len(e) != 1 {
			t.Errorf("_wandb.e = %s, want one writer's environment", mustMarshalJSON(t, internal["e"]))
		}
		for _, v := range e {
			if !reflect.DeepEqual(v, model.Env) {
				t.Errorf("_wandb.e differs:\n ours %s\n W&B  %s", mustMarshalJSON(t, v), mustMarshalJSON(t, model.Env))
			}
		}
	}
	if !reflect.DeepEqual(got.Uploaded, model.Uploaded) {
		t.Errorf("final file_stream uploaded = %q, want every uploaded file %q", got.Uploaded, model.Uploaded)
	}
	var names []string
	for name := range got.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	if !reflect.DeepEqual(names, model.Uploaded) {
		t.Errorf("files uploaded %q, W&B's sync uploads %q", names, model.Uploaded)
	}
	for name, n := range run.UploadCount {
		if n != 1 {
			t.Errorf("%s uploaded %d times, want once", name, n)
		}
	}
	for _, name := range model.Uploaded {
		ours := got.Files[name]
		switch name {
		case "wandb-summary.json":
			if !reflect.DeepEqual(plainJSON(t, ours), model.Summary) {
				t.Errorf("wandb-summary.json %s, want the summary %s", ours, mustMarshalJSON(t, model.Summary))
			}
			if sum := run.Files["wandb-summary.json"]; len(sum) != 1 || sum[0] != string(ours) {
				t.Errorf("wandb-summary.json %s differs from the file_stream summary %q", ours, sum)
			}
		case "config.yaml":
			if want := yamlOfConfig(t, run); !bytes.Equal(ours, want) {
				t.Errorf("config.yaml differs from yaml.v3's rendering of the config:\n ours:\n%s\n yaml.v3:\n%s", ours, want)
			}
			var back map[string]map[string]interface{}
			if err := yaml.Unmarshal(ours, &back); err != nil {
				t.Errorf("config.yaml does not parse: %v", err)
			}
		default:
			if !bytes.Equal(ours, model.Files[name]) {
				t.Errorf("%s differs:\n ours %q\n W&B  %q", name, ours, model.Files[name])
			}
		}
	}
	if got.ExitCode != model.ExitCode {
		t.Errorf("exit code %d, W&B's sync gives %d", got.ExitCode, model.ExitCode)
	}
}

package fakewandb

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Run is what the server holds for one run, as its accessors return it (a
// copy, safe to keep).
type Run struct {
	Entity, Project, Name string // Name is the run id
	DisplayName, Group    string
	JobType, Notes, Host  string
	Tags                  []string
	// Config is the config JSON string of the last UpsertBucket that sent
	// one: {"key": {"value": v, "desc": null}, ...}.
	Config string
	// Upserts counts UpsertBucket calls for the run.
	Upserts int
	// Files holds the file_stream files by name, one string per line, as
	// stored by offset (a retried batch overwrites the same lines).
	Files map[string][]string
	// Resent counts lines that arrived again for a position already
	// stored, with the same content (retries of a lost answer).
	Resent int
	// Complete and ExitCode are set by the final file_stream request.
	Complete bool
	ExitCode *int
	// Created lists the file names asked for with CreateRunFiles;
	// Uploads holds the bytes PUT to their upload URLs, the latest PUT of
	// each; UploadCount counts the PUTs of each name.
	Created     []string
	Uploads     map[string][]byte
	UploadCount map[string]int
	// Uploaded is the union of the file_stream "uploaded" lists (W&B's
	// FileStreamRequestJSON.Uploaded, in core/internal/filestream/
	// filestreamrequest.go): the files the client says are fully
	// uploaded, for servers that cannot tell by themselves. FinalUploaded
	// is the list of the request that completed the run.
	Uploaded      []string
	FinalUploaded []string
}

func runKey(entity, project, name string) string {
	return entity + "/" + project + "/" + name
}

// Run returns a copy of the run entity/project/name, if it was upserted.
func (s *Server) Run(entity, project, name string) (Run, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runs[runKey(entity, project, name)]
	if !ok {
		return Run{}, false
	}
	return r.clone(), true
}

// Runs returns copies of every run, in the order of their first upsert.
func (s *Server) Runs() []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Run, 0, len(s.order))
	for _, k := range s.order {
		out = append(out, s.runs[k].clone())
	}
	return out
}

func (r *Run) clone() Run {
	c := *r
	c.Tags = append([]string(nil), r.Tags...)
	c.Files = make(map[string][]string, len(r.Files))
	for k, v := range r.Files {
		c.Files[k] = append([]string(nil), v...)
	}
	c.Created = append([]string(nil), r.Created...)
	c.Uploads = make(map[string][]byte, len(r.Uploads))
	for k, v := range r.Uploads {
		c.Uploads[k] = append([]byte(nil), v...)
	}
	c.UploadCount = make(map[string]int, len(r.UploadCount))
	for k, v := range r.UploadCount {
		c.UploadCount[k] = v
	}
	c.Uploaded = append([]string(nil), r.Uploaded...)
	c.FinalUploaded = append([]string(nil), r.FinalUploaded...)
	if r.ExitCode != nil {
		e := *r.ExitCode
		c.ExitCode = &e
	}
	return c
}

// History decodes the run's wandb-history.jsonl lines, in order.
func (r *Run) History() ([]map[string]json.RawMessage, error) {
	lines := r.Files["wandb-history.jsonl"]
	rows := make([]map[string]json.RawMessage, 0, len(lines))
	for i, l := range lines {
		var row map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			return nil, fmt.Errorf("fakewandb: history line %d: %v", i, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// Summary decodes the run's wandb-summary.json (nil when none was sent).
func (r *Run) Summary() (map[string]json.RawMessage, error) {
	lines := r.Files["wandb-summary.json"]
	if len(lines) == 0 {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		return nil, fmt.Errorf("fakewandb: summary: %v", err)
	}
	return m, nil
}

// ConfigValues decodes the run's config to key -> value, dropping the
// {"value": ..., "desc": ...} wrapping W&B stores.
func (r *Run) ConfigValues() (map[string]json.RawMessage, error) {
	if r.Config == "" {
		return nil, nil
	}
	var wrapped map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(r.Config), &wrapped); err != nil {
		return nil, fmt.Errorf("fakewandb: config: %v", err)
	}
	out := make(map[string]json.RawMessage, len(wrapped))
	for k, v := range wrapped {
		out[k] = v.Value
	}
	return out, nil
}

// FileNames lists the run's file_stream files, sorted.
func (r *Run) FileNames() []string {
	names := make([]string, 0, len(r.Files))
	for k := range r.Files {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

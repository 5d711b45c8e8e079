package online

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// File names of the file_stream protocol.
const (
	historyFile = "wandb-history.jsonl"
	summaryFile = "wandb-summary.json"
	outputFile  = "output.log"
)

// Run files W&B's sender makes itself, in files/ (core/internal/stream/
// sender.go: MetaFileName, ConfigFileName; the summary file shares its
// name with the file_stream one).
const (
	metadataFile = "wandb-metadata.json"
	configFile   = "config.yaml"
)

// Batch limits of one file_stream request: W&B refuses very large bodies,
// and smaller batches make a retry cheap.
const (
	batchLines = 1000
	batchBytes = 4 << 20
)

// uploader turns the records of one run into W&B API calls: it is the one
// implementation of the upload protocol, fed record by record from the
// live writer (online mode) or from a .wandb file (sync). It buffers what
// is not sent yet and keeps the per-file line offsets, so a flush that
// failed can be run again and continues exactly where the server's data
// ends. It is used by one goroutine at a time.
type uploader struct {
	api      *apiClient
	filesDir string // the run directory's files/, where uploads are read

	// Entity and project overrides (sync -entity/-project) and fallbacks
	// (WANDB_ENTITY/WANDB_PROJECT for a run that recorded none).
	entity, project               string
	defaultEntity, defaultProject string

	info     *runInfo // nil until the RunRecord is seen
	upserted bool     // UpsertBucket succeeded at least once
	// Resolved names from UpsertBucket's answer: the file_stream URL needs
	// them, and an empty entity only becomes a name there.
	gotEntity, gotProject string
	// onResolved, when set, hears the resolved names (the span exporter
	// needs the entity Weave files a run's spans under).
	onResolved func(entity, project string)

	config      map[string]json.RawMessage
	configDirty bool
	metrics     *runMetrics // metric definitions, uploaded in the config

	summary      map[string]json.RawMessage
	summaryDirty bool

	history      []string // lines not acknowledged yet, oldest first
	historyBytes int
	historySent  int // lines the server holds: the next offset
	output       []string
	outputBytes  int
	outputSent   int

	uploads  []string // files/ paths to upload
	uploaded map[string]bool
	// generated holds the bytes of the files the uploader makes itself
	// (wandb-metadata.json, wandb-summary.json, config.yaml): they are
	// uploaded from memory, and written to files/ only as a courtesy.
	generated map[string][]byte
	// done lists the files storage accepted, in upload order; the last
	// file_stream request names them all (see complete).
	done []string

	env *wandbfile.EnvironmentRecord // the writer's environment, merged; nil if none

	exited   bool
	exitCode int
	// finalFiles: complete has made wandb-summary.json and config.yaml.
	finalFiles bool

	// failedUploads lists files storage refused (name: error).
	failedUploads []string
}

// uploadError summarises the files that could not be uploaded, or nil.
func (u *uploader) uploadError() error {
	if len(u.failedUploads) == 0 {
		return nil
	}
	return fmt.Errorf("wandb: %d file(s) not uploaded: %s", len(u.failedUploads), strings.Join(u.failedUploads, "; "))
}

func newUploader(api *apiClient, filesDir string) *uploader {
	return &uploader{
		api:      api,
		filesDir: filesDir,
		config:   map[string]json.RawMessage{},
		metrics:  newRunMetrics(),
		summary:  map[string]json.RawMessage{},
		uploaded: map[string]bool{},

		generated: map[string][]byte{},
	}
}

// add takes one record of the run. Records after the exit record are
// ignored, as W&B's sync drops them.
func (u *uploader) add(rec *wandbfile.Record) {
	if u.exited {
		return
	}
	switch {
	case rec.Run != nil:
		if u.info != nil {
			return // a resumed run repeats it; the first one names the run
		}
		r := rec.Run
		u.info = &runInfo{
			ID: r.RunID, Entity: r.Entity, Project: r.Project,
			DisplayName: r.DisplayName, Notes: r.Notes, Group: r.RunGroup,
			JobType: r.JobType, Host: r.Host, Tags: append([]string(nil), r.Tags...),
		}
		if u.entity != "" {
			u.info.Entity = u.entity
		} else if u.info.Entity == "" {
			u.info.Entity = u.defaultEntity
		}
		if u.project != "" {
			u.info.Project = u.project
		} else if u.info.Project == "" {
			u.info.Project = u.defaultProject
		}
		if r.Config != nil {
			wandbfile.FoldItems(u.config, r.Config.Update, r.Config.Remove)
		}
		u.configDirty = true
		if r.Summary != nil && len(r.Summary.Update)+len(r.Summary.Remove) > 0 {
			wandbfile.FoldItems(u.summary, r.Summary.Update, r.Summary.Remove)
			u.summaryDirty = true
		}
	case rec.Config != nil:
		wandbfile.FoldItems(u.config, rec.Config.Update, rec.Config.Remove)
		u.configDirty = true
	case rec.Metric != nil:
		u.metrics.process(rec.Metric)
		u.configDirty = true
	case rec.History != nil:
		if u.metrics.expand(rec.History) {
			u.configDirty = true
		}
		l := string(historyLine(rec.History))
		u.history = append(u.history, l)
		u.historyBytes += len(l)
	case rec.Summary != nil:
		wandbfile.FoldItems(u.summary, rec.Summary.Update, rec.Summary.Remove)
		u.summaryDirty = true
	case rec.OutputRaw != nil:
		l := outputLine(rec.OutputRaw)
		u.output = append(u.output, l)
		u.outputBytes += len(l)
	case rec.Files != nil:
		for _, f := range rec.Files.Files {
			p := path.Clean(filepath.ToSlash(f.Path))
			if p == "." || path.IsAbs(p) || strings.HasPrefix(p, "../") || u.uploaded[p] {
				continue
			}
			u.uploaded[p] = true // queued; never uploaded twice
			u.uploads = append(u.uploads, p)
		}
	case rec.Environment != nil:
		// As W&B's sendEnvironment: the environment goes into the config
		// (_wandb.e) and wandb-metadata.json is uploaded right away.
		if u.env == nil {
			u.env = &wandbfile.EnvironmentRecord{}
		}
		u.env.Merge(rec.Environment)
		u.configDirty = true
		u.generate(metadataFile, metadataJSON(u.env))
	case rec.Exit != nil:
		u.exited = true
		u.exitCode = int(rec.Exit.ExitCode)
	}
}

// generate queues a file the uploader made: its bytes are kept for the
// upload, and written to the run's files/ as W&B's sender writes them
// (scheduleFileUpload), so the local run shows what was uploaded; a run
// directory that cannot be written to loses only that copy.
func (u *uploader) generate(name string, content []byte) {
	u.generated[name] = content
	if u.filesDir != "" {
		_ = os.WriteFile(filepath.Join(u.filesDir, name), content, 0o644)
	}
	for _, p := range u.uploads {
		if p == name {
			return // queued, and will send the new bytes
		}
	}
	u.uploaded[name] = true
	u.uploads = append(u.uploads, name)
}

// pendingBytes estimates the memory held by unsent lines.
func (u *uploader) pendingBytes() int { return u.historyBytes + u.outputBytes }

// pendingRows is the number of history rows not yet acknowledged.
func (u *uploader) pendingRows() int { return len(u.history) }

// dirty reports whether a flush has anything to send.
func (u *uploader) dirty() bool {
	return u.info != nil && (!u.upserted || u.configDirty || u.summaryDirty ||
		len(u.history) > 0 || len(u.output) > 0 || len(u.uploads) > 0)
}

// flush sends everything buffered: the run (again if its config changed),
// uploads, then file_stream batches. On error the unsent part stays
// buffered and a later flush resumes it. progress, if set, hears the
// number of history rows the server holds after each batch.
func (u *uploader) flush(ctx context.Context, progress func(rowsSent int)) error {
	if u.info == nil {
		if len(u.history) > 0 || len(u.output) > 0 || u.exited {
			return errors.New("wandb: the run log has no run record before its data; W&B cannot tell which run it is")
		}
		return nil
	}
	if !u.upserted || u.configDirty {
		if err := u.upsert(ctx); err != nil {
			return err
		}
	}
	if len(u.uploads) > 0 {
		if err := u.uploadFiles(ctx); err != nil {
			return err
		}
	}
	for u.summaryDirty || len(u.history) > 0 || len(u.output) > 0 {
		if err := u.streamBatch(ctx); err != nil {
			return err
		}
		if progress != nil {
			progress(u.historySent)
		}
	}
	return nil
}

// complete flushes and then marks the run finished with its exit code;
// a run whose log has no exit record crashed, and W&B shows it failed
// (exit code 1). Like W&B's sender at finish (finishRunSync), it first
// uploads wandb-summary.json and config.yaml as they stand at the end,
// and its last file_stream request lists every file uploaded
// (core/internal/filestream/filestreamrequest.go, "uploaded": for
// servers that cannot tell by themselves when an upload is complete).
func (u *uploader) complete(ctx context.Context, progress func(int)) error {
	if err := u.flush(ctx, progress); err != nil {
		return err
	}
	if u.info == nil {
		return errors.New("wandb: the run log has no run record; W&B cannot tell which run it is")
	}
	if !u.finalFiles {
		s, err := summaryJSON(u.summary)
		if err != nil {
			return err
		}
		if err := u.internalConfig(); err != nil {
			return err
		}
		y, err := configYAML(u.config)
		if err != nil {
			return err
		}
		u.generate(summaryFile, []byte(s))
		u.generate(configFile, y)
		u.finalFiles = true
	}
	if err := u.flush(ctx, progress); err != nil {
		return err
	}
	code := 1
	if u.exited {
		code = u.exitCode
	}
	// A file uploaded twice (an environment that changed) is named once.
	seen := map[string]bool{}
	var uploaded []string
	for _, name := range u.done {
		if !seen[name] {
			seen[name] = true
			uploaded = append(uploaded, name)
		}
	}
	sort.Strings(uploaded)
	body, err := fileStreamBody(nil, true, code, uploaded...)
	if err != nil {
		return err
	}
	_, err = u.api.send(ctx, "file_stream", http.MethodPost, u.streamURL(), body, nil, true)
	return err
}

// heartbeat sends an empty file_stream request, which tells W&B the run
// is alive while it has nothing to log.
func (u *uploader) heartbeat(ctx context.Context) error {
	if !u.upserted {
		return nil
	}
	body, err := fileStreamBody(nil, false, 0)
	if err != nil {
		return err
	}
	_, err = u.api.send(ctx, "file_stream", http.MethodPost, u.streamURL(), body, nil, true)
	return err
}

// internalConfig puts W&B's own entries into the config under _wandb: the
// metric definitions (m) and the environment (e), as W&B's
// runconfig.AddInternalData does.
func (u *uploader) internalConfig() error {
	if err := u.metrics.applyTo(u.config); err != nil {
		return err
	}
	if u.env == nil {
		return nil
	}
	// W&B keys the environment by the id of the process that uploads it
	// (its sharedmode.ClientID); the writer's own id names the writer.
	id := u.env.WriterID
	if id == "" {
		id = "wbinstrument"
	}
	e := configValue(u.env, id)
	if e == nil {
		return nil
	}
	return setInternal(u.config, "e", e)
}

func (u *uploader) upsert(ctx context.Context) error {
	if err := u.internalConfig(); err != nil {
		return err
	}
	vars, err := upsertVars(u.info, u.config)
	if err != nil {
		return err
	}
	var ans struct {
		UpsertBucket struct {
			Bucket struct {
				Name    string `json:"name"`
				Project struct {
					Name   string `json:"name"`
					Entity struct {
						Name string `json:"name"`
					} `json:"entity"`
				} `json:"project"`
			} `json:"bucket"`
		} `json:"upsertBucket"`
	}
	if err := u.api.graphql(ctx, "UpsertBucket", upsertBucketQuery, vars, &ans); err != nil {
		return err
	}
	b := ans.UpsertBucket.Bucket
	if b.Project.Name == "" || b.Project.Entity.Name == "" {
		return &UploadError{Op: "UpsertBucket", URL: u.api.base + "/graphql", Status: http.StatusOK,
			Msg: "answer names no project or entity for run " + u.info.ID}
	}
	u.gotEntity, u.gotProject = b.Project.Entity.Name, b.Project.Name
	if u.onResolved != nil {
		u.onResolved(u.gotEntity, u.gotProject)
	}
	u.upserted = true
	u.configDirty = false
	return nil
}

func (u *uploader) streamURL() string {
	return u.api.base + "/files/" + pathEscape(u.gotEntity) + "/" + pathEscape(u.gotProject) + "/" + pathEscape(u.info.ID) + "/file_stream"
}

// pathEscape escapes one URL path segment.
func pathEscape(s string) string { return url.PathEscape(s) }

// streamBatch sends one file_stream request: the summary if it changed,
// and the oldest unsent history and output lines within the batch limits.
// Offsets are the lines the server already holds, so a batch sent twice
// (after an answer was lost) lands on the same lines.
func (u *uploader) streamBatch(ctx context.Context) error {
	files := map[string]streamFile{}
	nh := takeLines(u.history)
	if nh > 0 {
		files[historyFile] = streamFile{Offset: u.historySent, Content: u.history[:nh]}
	}
	no := takeLines(u.output)
	if no > 0 {
		files[outputFile] = streamFile{Offset: u.outputSent, Content: u.output[:no]}
	}
	summaryWas := u.summaryDirty
	if u.summaryDirty {
		s, err := summaryJSON(u.summary)
		if err != nil {
			return err
		}
		files[summaryFile] = streamFile{Offset: 0, Content: []string{s}}
	}
	body, err := fileStreamBody(files, false, 0)
	if err != nil {
		return err
	}
	if _, err := u.api.send(ctx, "file_stream", http.MethodPost, u.streamURL(), body, nil, true); err != nil {
		return err
	}
	for _, l := range u.history[:nh] {
		u.historyBytes -= len(l)
	}
	for _, l := range u.output[:no] {
		u.outputBytes -= len(l)
	}
	u.history = shift(u.history, nh)
	u.output = shift(u.output, no)
	u.historySent += nh
	u.outputSent += no
	if summaryWas {
		u.summaryDirty = false
	}
	return nil
}

// takeLines is how many of the oldest lines fit one batch (at least one,
// so an oversized line still goes out, alone).
func takeLines(lines []string) int {
	n, size := 0, 0
	for n < len(lines) && n < batchLines {
		size += len(lines[n]) + 4
		if n > 0 && size > batchBytes {
			break
		}
		n++
	}
	return n
}

// shift drops the first n lines, letting the backing array go once
// empty so a long run does not pin its largest backlog.
func shift(lines []string, n int) []string {
	if n == len(lines) {
		return nil
	}
	for i := 0; i < n; i++ {
		lines[i] = ""
	}
	return lines[n:]
}

// uploadFiles asks W&B for upload URLs and PUTs each file from the run
// directory. A file that vanished is skipped: the run directory is the
// user's, and one missing table must not stop the run's upload.
func (u *uploader) uploadFiles(ctx context.Context) error {
	var ans struct {
		CreateRunFiles struct {
			UploadHeaders []string `json:"uploadHeaders"`
			Files         []struct {
				Name      string `json:"name"`
				UploadURL string `json:"uploadUrl"`
			} `json:"files"`
		} `json:"createRunFiles"`
	}
	vars := map[string]interface{}{
		"entity": u.gotEntity, "project": u.gotProject, "run": u.info.ID, "files": u.uploads,
	}
	if err := u.api.graphql(ctx, "CreateRunFiles", createRunFilesQuery, vars, &ans); err != nil {
		return err
	}
	header := http.Header{}
	for _, h := range ans.CreateRunFiles.UploadHeaders {
		if i := strings.IndexByte(h, ':'); i > 0 {
			header.Add(strings.TrimSpace(h[:i]), strings.TrimSpace(h[i+1:]))
		}
	}
	urls := map[string]string{}
	for _, f := range ans.CreateRunFiles.Files {
		urls[f.Name] = f.UploadURL
	}
	for len(u.uploads) > 0 {
		name := u.uploads[0]
		if target := urls[name]; target != "" {
			data, ok := u.generated[name]
			var err error
			if !ok {
				data, err = os.ReadFile(filepath.Join(u.filesDir, filepath.FromSlash(name)))
			}
			if err == nil {
				if _, err := u.api.send(ctx, "upload", http.MethodPut, target, data, header, false); err != nil {
					var ue *UploadError
					if !errors.As(err, &ue) {
						return fmt.Errorf("%w (file %s)", err, name)
					}
					// Storage refused this one file for good: the rest of
					// the run still goes up, and the run is not marked
					// synced, so sync can try the file again.
					u.failedUploads = append(u.failedUploads, name+": "+err.Error())
				} else {
					u.done = append(u.done, name)
				}
			}
		}
		u.uploads = u.uploads[1:]
	}
	u.uploads = nil
	return nil
}

package online

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// onlineTuning holds the online sender's timing and memory knobs; tests
// shorten them.
type onlineTuning struct {
	flushEvery     time.Duration // batch interval
	heartbeatEvery time.Duration // empty file_stream while idle
	maxPending     int           // bytes of unsent records held in memory (twice: inbox and batches)
	retry          retryPolicy
	timeout        time.Duration // per HTTP attempt
}

var onlineDefaults = onlineTuning{
	flushEvery:     1500 * time.Millisecond,
	heartbeatEvery: 30 * time.Second,
	maxPending:     32 << 20,
	retry:          defaultRetry,
	timeout:        60 * time.Second,
}

// tuningFromEnv applies W&B's internal file_stream settings, which W&B's
// SDK reads as WANDB_X_* variables (seconds, fractions allowed), and
// WBINSTRUMENT_ONLINE_MAX_PENDING (bytes). Unparsable values are ignored:
// they are tuning, never worth failing a run for.
func tuningFromEnv(t onlineTuning, getenv func(string) string) onlineTuning {
	secs := func(name string, dst *time.Duration) {
		if f, err := strconv.ParseFloat(strings.TrimSpace(getenv(name)), 64); err == nil && f > 0 {
			*dst = time.Duration(f * float64(time.Second))
		}
	}
	secs("WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL", &t.flushEvery)
	secs("WANDB_X_FILE_STREAM_RETRY_WAIT_MIN_SECONDS", &t.retry.base)
	secs("WANDB_X_FILE_STREAM_RETRY_WAIT_MAX_SECONDS", &t.retry.max)
	secs("WANDB_X_FILE_STREAM_TIMEOUT_SECONDS", &t.timeout)
	secs("WANDB_X_FILE_STREAM_HEARTBEAT_SECONDS", &t.heartbeatEvery)
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("WBINSTRUMENT_ONLINE_MAX_PENDING"))); err == nil && n > 0 {
		t.maxPending = n
	}
	if t.retry.max < t.retry.base {
		t.retry.max = t.retry.base
	}
	return t
}

// Config is what a Sender is given to start: the run as its Options
// name it, where its directory is, and where warnings go. APIKey lives in
// memory only; the sender never writes it to a file or puts it into a
// message.
type Config struct {
	RunID, Entity, Project string
	DisplayName, Notes     string
	Group, JobType         string
	Tags                   []string
	Config                 map[string]interface{}
	APIKey, BaseURL        string
	RunDir                 string // the local run directory (the spool)
	FilesDir               string // RunDir/files
	Start                  time.Time
	Stderr                 io.Writer // for warnings; silent runs get io.Discard
}

// Sender streams one live run to W&B: package wandb's writer plugs it in
// as the run's record sink. The writer goroutine hands it a copy of every
// record's bytes (cheap, never blocking); its own goroutine decodes them and feeds the uploader in batches. Memory is
// bounded: when the server falls so far behind that maxPending bytes wait
// in the inbox, records are not kept until it drains. The run log holds
// every record anyway and is the spool: once the upload catches up, the
// sender reads the records it did not keep back from the log, in record
// order, while the program runs, and Finish does the same for what is
// left. What Finish cannot upload before its deadline stays in the run
// directory, without a .synced marker, for `wbinstrument sync`.
type Sender struct {
	cfg     Config
	logPath string
	api     *apiClient
	u       *uploader
	tune    onlineTuning

	mu         sync.Mutex
	inbox      []rawRecord
	inboxBytes int   // kept records the sender goroutine has not released
	lastSeen   int64 // num of the last record the writer handed over
	fatal      error // a final API error; nothing more is sent
	finishAt   time.Time
	finishing  bool

	// The sender goroutine's own state: records are fed to the uploader
	// strictly in num order; held are kept records waiting for earlier
	// ones, which only the spool (the run log) has.
	fedNum int64
	held   []rawRecord
	spool  spoolReader

	wake   chan struct{} // cap 1
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when the loop ends
	result error         // the loop's outcome, read after done

	resolved atomic.Value // [2]string: entity and project, once upserted
}

type rawRecord struct {
	num     int64
	payload []byte
}

// Start checks the API base URL and key and starts the sender's
// goroutine. The run's log must exist at RunDir/run-<RunID>.wandb before
// the first Record: the sender reads back from it what it did not keep.
func Start(cfg Config) (*Sender, error) {
	api, err := newAPIClient(cfg.BaseURL, cfg.APIKey)
	if err != nil {
		return nil, err
	}
	cfg.APIKey = "" // the client holds it; nothing else should
	tune := tuningFromEnv(onlineDefaults, os.Getenv)
	api.retry = tune.retry
	api.timeout = tune.timeout
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	ctx, cancel := context.WithCancel(context.Background())
	o := &Sender{
		cfg:     cfg,
		logPath: filepath.Join(cfg.RunDir, "run-"+cfg.RunID+".wandb"),
		api:     api,
		u:       newUploader(api, cfg.FilesDir),
		tune:    tune,
		wake:    make(chan struct{}, 1),
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
	}
	o.spool.path = o.logPath
	o.u.onResolved = func(entity, project string) { o.resolved.Store([2]string{entity, project}) }
	go o.loop()
	return o, nil
}

// StartLine names where the run goes. The entity may only be known after
// the first upsert, so without one the line names the server and project.
func (o *Sender) StartLine() string {
	if o.cfg.Entity != "" && o.cfg.Project != "" {
		return fmt.Sprintf("wandb: streaming run %s to %s; local copy in %s", o.cfg.RunID,
			RunURL(o.api.base, o.cfg.Entity, o.cfg.Project, o.cfg.RunID), o.cfg.RunDir)
	}
	project := o.cfg.Project
	if project == "" {
		project = "your default project"
	}
	return fmt.Sprintf("wandb: streaming run %s to %s (%s); local copy in %s", o.cfg.RunID, appURL(o.api.base), project, o.cfg.RunDir)
}

// RunURL is the web page of a run, derived from the API base URL the way
// W&B's clients do (api.wandb.ai serves the app at wandb.ai; a self-hosted
// server serves both).
func RunURL(baseURL, entity, project, runID string) string {
	return appURL(baseURL) + "/" + url.PathEscape(entity) + "/" + url.PathEscape(project) + "/runs/" + url.PathEscape(runID)
}

func appURL(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return baseURL
	}
	u.User = nil
	if strings.HasPrefix(u.Host, "api.") {
		u.Host = strings.TrimPrefix(u.Host, "api.")
	}
	return strings.TrimRight(u.String(), "/")
}

// Target returns the entity and project W&B filed the run under, once
// the first upsert was answered (a run that names none gets the key
// owner's defaults).
func (o *Sender) Target() (entity, project string, ok bool) {
	if v, got := o.resolved.Load().([2]string); got {
		return v[0], v[1], true
	}
	return "", "", false
}

// Record keeps a copy of one record for the sender goroutine. It runs on
// the writer goroutine, so it only copies and never waits.
func (o *Sender) Record(num int64, payload []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fatal != nil || o.finishing {
		return
	}
	o.lastSeen = num
	if o.inboxBytes+len(payload) > o.tune.maxPending {
		return // the sender reads it back from the log
	}
	o.inbox = append(o.inbox, rawRecord{num: num, payload: append([]byte(nil), payload...)})
	o.inboxBytes += len(payload)
	if len(o.inbox)%batchLines == 0 {
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
}

// take moves the inbox to the caller, with the num of the last record
// the writer handed over. The records' bytes stay counted in inboxBytes
// until release.
func (o *Sender) take() ([]rawRecord, int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	in := o.inbox
	o.inbox = nil
	return in, o.lastSeen
}

// release returns the memory of records the sender is done with.
func (o *Sender) release(bytes int) {
	o.mu.Lock()
	o.inboxBytes -= bytes
	o.mu.Unlock()
}

// Finish uploads what is left and marks the run complete, within the
// deadline. The run log is closed by now, so records the inbox could not
// hold are read back from it. On success the log gets its .synced marker;
// otherwise the error says how to finish the upload later.
func (o *Sender) Finish(deadline time.Time) error {
	o.mu.Lock()
	if o.finishing {
		o.mu.Unlock()
		<-o.done
		return o.result
	}
	o.finishing = true
	o.finishAt = deadline
	o.mu.Unlock()
	stop := time.AfterFunc(time.Until(deadline), o.cancel)
	defer stop.Stop()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	<-o.done
	o.cancel()
	return o.result
}

func (o *Sender) loop() {
	defer close(o.done)
	tick := time.NewTicker(o.tune.flushEvery)
	defer tick.Stop()
	lastSend := time.Now()
	for {
		select {
		case <-o.wake:
		case <-tick.C:
		}
		o.mu.Lock()
		finishing := o.finishing
		fatal := o.fatal
		o.mu.Unlock()
		if finishing {
			o.result = o.finishUpload()
			return
		}
		if fatal != nil {
			o.drop() // nothing more is sent; the log has it all
			continue
		}
		if o.u.pendingBytes() < o.tune.maxPending {
			o.advance(false)
		}
		var err error
		switch {
		case o.u.dirty():
			err = o.u.flush(o.ctx, nil)
			lastSend = time.Now()
		case time.Since(lastSend) >= o.tune.heartbeatEvery:
			err = o.u.heartbeat(o.ctx)
			lastSend = time.Now()
		}
		var ue *UploadError
		if err != nil && (errors.As(err, &ue) || o.ctx.Err() == nil) {
			// Retries are exhausted only by the finish deadline, so an
			// error here is final: a rejected key, an unknown entity.
			o.mu.Lock()
			o.fatal = err
			o.mu.Unlock()
			o.drop()
			fmt.Fprintf(o.cfg.Stderr, "wandb: warning: online upload stopped: %v; the run is still saved in %s\n", err, o.cfg.RunDir)
		}
	}
}

// finishUpload runs on the sender goroutine once the log is closed.
func (o *Sender) finishUpload() error {
	o.mu.Lock()
	fatal := o.fatal
	o.mu.Unlock()
	defer o.spool.close()
	incomplete := func(err error) error {
		return fmt.Errorf("online upload incomplete (%v); the run is saved in %s: upload it with `wbinstrument sync %s`", o.api.redact(err.Error()), o.cfg.RunDir, o.cfg.RunDir)
	}
	if fatal != nil {
		return incomplete(fatal)
	}
	// The log is complete now: whatever was not kept is read back from
	// it, flushing as batches fill so memory stays bounded.
	if err := o.advance(true); err != nil {
		return incomplete(err)
	}
	if err := o.u.complete(o.ctx, nil); err != nil {
		return incomplete(err)
	}
	if err := o.u.uploadError(); err != nil {
		return incomplete(err)
	}
	if err := writeSyncedMarker(o.logPath); err != nil {
		return fmt.Errorf("online upload complete, but %v", err)
	}
	fmt.Fprintf(o.cfg.Stderr, "wandb: uploaded run %s: %s\n", o.cfg.RunID, RunURL(o.api.base, o.u.gotEntity, o.u.gotProject, o.cfg.RunID))
	return nil
}

// writeSyncedMarker creates the empty run-<id>.wandb.synced file that
// tells `wandb sync` and `wbinstrument sync` the run is uploaded.
func writeSyncedMarker(logPath string) error {
	f, err := os.OpenFile(logPath+".synced", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("writing the .synced marker: %w", err)
	}
	return f.Close()
}

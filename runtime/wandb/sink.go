package wandb

import (
	"io"
	"time"
)

// recordSink is the seam for online mode. The offline store is always
// written; in online mode the writer goroutine also hands every record to
// a sink, which streams it to W&B. The local run directory thus stays the
// spool: whatever the sink did not upload, `wbinstrument sync` uploads
// later from the same file.
//
// Online mode plugs in from its own file (online.go) by
// setting newOnlineSink in an init function:
//
//	func init() { newOnlineSink = newOnlineSender }
//
// All methods are called on the writer goroutine, so a sink must not block
// for long; it copies what it needs and does network I/O on goroutines of
// its own.
type recordSink interface {
	// StartLine is the line printed to stderr at start (e.g. the run's
	// URL), or "" for the offline line.
	StartLine() string
	// Record receives each record's number and protobuf payload right
	// after it was framed into the log, in file order. payload is only
	// valid during the call; decode it with wandbfile.DecodeRecord or copy it.
	Record(num int64, payload []byte)
	// Finish is called once, after the exit record was written and the log
	// flushed. It uploads what is left until deadline and reports what it
	// could not do; the finish line includes the error.
	Finish(deadline time.Time) error
}

// sinkConfig is what a sink is given to start. APIKey lives in memory
// only; a sink must never write it to a file or put it into a message.
type sinkConfig struct {
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

// newOnlineSink starts the online sender; nil until online mode is built,
// in which case online runs are written offline only and say so.
var newOnlineSink func(cfg sinkConfig) (recordSink, error)

package wandb

import (
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
)

// recordSink is the seam for online mode. The offline store is always
// written; in online mode the writer goroutine also hands every record to
// a sink, which streams it to W&B. The local run directory thus stays the
// spool: whatever the sink did not upload, `wbinstrument sync` uploads
// later from the same file.
//
// online.Sender is the one sink; tests stand in their own through
// newOnlineSink.
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

// newOnlineSink starts the online sender (online.Start); tests replace
// it, or set it to nil to run online mode without one, in which case
// online runs are written offline only and say so.
var newOnlineSink = func(cfg online.Config) (recordSink, error) {
	o, err := online.Start(cfg)
	if err != nil {
		return nil, err // not a nil *Sender in a non-nil interface
	}
	return o, nil
}

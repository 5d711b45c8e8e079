package wandbfile

import (
	"encoding/json"
	"strings"
	"time"
)

// Record is one decoded entry of a .wandb transaction log: the protobuf
// message wandb_internal.Record. Exactly one of the typed pointer fields is
// set for the record types this package understands; Type names the
// record_type field number in every case, so callers can recognise (and
// skip) the types it does not decode, such as telemetry.
type Record struct {
	Num int64 // Record.num: 1, 2, 3... in file order
	// Offset is the byte offset in the file of the record's first chunk
	// header. It is filled by the Reader and ignored when encoding.
	Offset int64
	// Type is the field number of the record_type that is set (2 history,
	// 3 summary, ..., 21 header); 0 when none is, which W&B's sync rejects.
	Type int

	History   *HistoryRecord
	Summary   *SummaryRecord
	Config    *ConfigRecord
	Files     *FilesRecord
	Stats     *StatsRecord
	Metric    *MetricRecord
	OutputRaw *OutputRawRecord
	Run       *RunRecord
	Exit      *RunExitRecord
	Header    *HeaderRecord
	// Environment is the writer's environment (environment.go).
	Environment *EnvironmentRecord
}

// Record type field numbers of wandb_internal.Record.
const (
	TypeHistory     = 2
	TypeSummary     = 3
	TypeOutput      = 4
	TypeConfig      = 5
	TypeFiles       = 6
	TypeStats       = 7
	TypeArtifact    = 8
	TypeTBRecord    = 9
	TypeAlert       = 10
	TypeTelemetry   = 11
	TypeMetric      = 12
	TypeOutputRaw   = 13
	TypeRun         = 17
	TypeExit        = 18
	TypeFinal       = 20
	TypeHeader      = 21
	TypeFooter      = 22
	TypePreempting  = 23
	TypeUseArtifact = 25
	TypeEnvironment = 26
	TypeOutputLog   = 27
)

// HeaderRecord is the first record of every file; it names the writer.
// (In the protobuf, Producer and MinConsumer sit in a nested VersionInfo.)
type HeaderRecord struct {
	Producer    string
	MinConsumer string
}

// RunRecord describes the run. W&B's sync reads up to the first one to
// learn which run it uploads, so it precedes every data record.
type RunRecord struct {
	RunID        string
	Entity       string // empty: the user's default entity
	Project      string // empty: the user's default project
	Config       *ConfigRecord
	Summary      *SummaryRecord
	RunGroup     string
	JobType      string
	DisplayName  string
	Notes        string
	Tags         []string
	SweepID      string
	Host         string
	StartingStep int64
	StorageID    string
	StartTime    time.Time // zero when absent
	Resumed      bool
	Runtime      int32
}

// Item is one key/value of a config, summary or history record
// (ConfigItem, SummaryItem and HistoryItem share their field numbers).
type Item struct {
	Key       string
	NestedKey []string
	ValueJSON json.RawMessage
}

// FullKey is the key as W&B's readers see it: Key when set, else the
// elements of NestedKey joined with ".".
func (it *Item) FullKey() string {
	if it.Key != "" {
		return it.Key
	}
	return strings.Join(it.NestedKey, ".")
}

// ConfigRecord updates (and removes) run config keys.
type ConfigRecord struct {
	Update []Item
	Remove []Item
}

// SummaryRecord updates (and removes) run summary keys.
type SummaryRecord struct {
	Update []Item
	Remove []Item
}

// HistoryRecord is one history row. Step is HistoryStep.num.
type HistoryRecord struct {
	Items []Item
	Step  int64
}

// FilePolicy says when W&B uploads a file of the run.
type FilePolicy int32

// File policies (FilesItem.policy).
const (
	PolicyNow  FilePolicy = 0
	PolicyEnd  FilePolicy = 1
	PolicyLive FilePolicy = 2
)

// FileType classifies a file of the run for W&B's uploader.
type FileType int32

// File types (FilesItem.type).
const (
	FileOther    FileType = 0
	FileWandb    FileType = 1
	FileMedia    FileType = 2
	FileArtifact FileType = 3
)

// FilesItem names one file, relative to the run directory's files/.
type FilesItem struct {
	Path   string
	Policy FilePolicy
	Type   FileType
}

// FilesRecord announces files of the run to upload.
type FilesRecord struct {
	Files []FilesItem
}

// OutputRawRecord is one line of console output. OutputType is 0 for
// stderr and 1 for stdout.
type OutputRawRecord struct {
	OutputType int32
	Timestamp  string
	Line       string
}

// RunExitRecord ends a run; W&B's sync drops records after it.
type RunExitRecord struct {
	ExitCode    int32
	Runtime     int32 // seconds
	NotComplete bool
}

// MetricOptions are MetricRecord.options.
type MetricOptions struct {
	StepSync bool
	Hidden   bool
	Defined  bool
}

// MetricSummary is MetricRecord.summary: which summary statistics W&B
// keeps for the metric.
type MetricSummary struct {
	Min, Max, Mean, Best, Last, None, Copy, First bool
}

// MetricRecord is a define_metric call. GlobName is set instead of Name
// for patterns such as "usage/*".
type MetricRecord struct {
	Name            string
	GlobName        string
	StepMetric      string
	StepMetricIndex int32
	Options         MetricOptions
	// Summary is field 7; nil leaves it out. W&B's definedMetric.ToRecord
	// always sets it, empty when no statistic is asked for.
	Summary *MetricSummary
	Goal    int32
	// Overwrite is _control.overwrite (field 9): the record replaces the
	// metric's definition instead of updating it.
	Overwrite bool
	// ExpandedFromGlob (field 10) marks a definition W&B's handler made
	// for a history key matching a glob (writer_metrics.go).
	ExpandedFromGlob bool
}

// StatsRecord is a sample of system metrics.
type StatsRecord struct {
	StatsType int32
	Timestamp time.Time
	Items     []Item // StatsItem: key and value_json only
}

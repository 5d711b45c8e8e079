package wandbfile

// Field numbers of the wandb_internal messages this package encodes and
// decodes, one block a message, named after W&B's
// wandb/proto/wandb_internal.proto (github.com/wandb/wandb; the comment
// gives each field's upstream type and name). The encoder (proto.go,
// environment.go) and the decoders (proto.go, rawread.go) use only these;
// a Record's own record-type fields are the Type* constants of records.go.

// Record.
const recordNum = 1 // int64 num

// HistoryItem, SummaryItem, ConfigItem and StatsItem share their fields.
const (
	itemKey       = 1  // string key
	itemNestedKey = 2  // repeated string nested_key
	itemValueJSON = 16 // string value_json
)

// SummaryRecord and ConfigRecord.
const (
	itemsUpdate = 1 // repeated SummaryItem/ConfigItem update
	itemsRemove = 2 // repeated SummaryItem/ConfigItem remove
)

// HistoryRecord and HistoryStep.
const (
	historyItem = 1 // repeated HistoryItem item
	historyStep = 2 // HistoryStep step
	stepNum     = 1 // HistoryStep: int64 num
)

// FilesRecord and FilesItem.
const (
	filesFiles     = 1 // repeated FilesItem files
	fileItemPath   = 1 // FilesItem: string path
	fileItemPolicy = 2 // FilesItem: PolicyType policy
	fileItemType   = 3 // FilesItem: FileType type
)

// google.protobuf.Timestamp.
const (
	timestampSeconds = 1 // int64 seconds
	timestampNanos   = 2 // int32 nanos
)

// StatsRecord.
const (
	statsType      = 1 // StatsType stats_type
	statsTimestamp = 2 // google.protobuf.Timestamp timestamp
	statsItem      = 3 // repeated StatsItem item
)

// MetricRecord, MetricOptions, MetricSummary and MetricControl.
const (
	metricName             = 1  // string name
	metricGlobName         = 2  // string glob_name
	metricStepMetric       = 4  // string step_metric
	metricStepMetricIndex  = 5  // int32 step_metric_index
	metricOptions          = 6  // MetricOptions options
	metricSummary          = 7  // MetricSummary summary
	metricGoal             = 8  // MetricGoal goal
	metricControl          = 9  // MetricControl _control
	metricExpandedFromGlob = 10 // bool expanded_from_glob

	optionsStepSync = 1 // MetricOptions: bool step_sync
	optionsHidden   = 2 // MetricOptions: bool hidden
	optionsDefined  = 3 // MetricOptions: bool defined

	// MetricSummary: bool min = 1, max, mean, best, last, none, copy,
	// first = 8, consecutive, in the order of MetricSummary's fields
	// here.
	summaryFirstFlag = 1

	controlOverwrite = 1 // MetricControl: bool overwrite
)

// OutputRawRecord.
const (
	outputRawType      = 1 // OutputType output_type
	outputRawTimestamp = 2 // string timestamp
	outputRawLine      = 3 // string line
)

// RunRecord.
const (
	runRunID        = 1  // string run_id
	runEntity       = 2  // string entity
	runProject      = 3  // string project
	runConfig       = 4  // ConfigRecord config
	runSummary      = 5  // SummaryRecord summary
	runRunGroup     = 6  // string run_group
	runJobType      = 7  // string job_type
	runDisplayName  = 8  // string display_name
	runNotes        = 9  // string notes
	runTags         = 10 // repeated string tags
	runSweepID      = 12 // string sweep_id
	runHost         = 13 // string host
	runStartingStep = 14 // int64 starting_step
	runStorageID    = 16 // string storage_id
	runStartTime    = 17 // google.protobuf.Timestamp start_time
	runResumed      = 18 // bool resumed
	runRuntime      = 20 // int32 runtime
)

// RunExitRecord.
const (
	exitExitCode    = 1 // int32 exit_code
	exitRuntime     = 2 // int32 runtime
	exitNotComplete = 3 // bool not_complete
)

// HeaderRecord and its VersionInfo.
const (
	headerVersionInfo      = 1 // VersionInfo version_info
	versionInfoProducer    = 1 // VersionInfo: string producer
	versionInfoMinConsumer = 2 // VersionInfo: string min_consumer
)

// EnvironmentRecord, GitRepoRecord and MemoryInfo.
const (
	envOS              = 1   // string os
	envPython          = 2   // string python
	envStartedAt       = 3   // google.protobuf.Timestamp started_at
	envArgs            = 5   // repeated string args
	envProgram         = 6   // string program
	envCodePath        = 7   // string code_path
	envCodePathLocal   = 8   // string code_path_local
	envGit             = 9   // GitRepoRecord git
	envEmail           = 10  // string email
	envRoot            = 11  // string root
	envHost            = 12  // string host
	envUsername        = 13  // string username
	envExecutable      = 14  // string executable
	envCPUCount        = 16  // uint32 cpu_count
	envCPUCountLogical = 17  // uint32 cpu_count_logical
	envMemory          = 21  // MemoryInfo memory
	envWriterID        = 199 // string writer_id

	gitRemoteURL = 1 // GitRepoRecord: string remote_url
	gitCommit    = 2 // GitRepoRecord: string commit

	memoryInfoTotal = 1 // MemoryInfo: uint64 total
)

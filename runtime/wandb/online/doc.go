// Package online uploads runs to W&B's HTTP API: live, while the program
// runs (Sender), and afterwards from a run's .wandb file (Sync, behind
// `wbinstrument sync`). Both feed the same uploader, so a run sent either
// way reaches W&B as the same requests.
//
// Where to start:
//
//   - uploader.go: the upload protocol. An uploader takes decoded records
//     (wandbfile.Record) one by one and turns them into UpsertBucket,
//     CreateRunFiles, file uploads and file_stream batches; flush sends
//     what is buffered, complete finishes the run.
//   - sender.go: Sender, the live path. Package wandb's writer goroutine
//     hands it every record it frames into the log (Record); its own
//     goroutine batches them into the uploader. spool.go reads back from
//     the run log what memory could not hold, so the log is the spool.
//   - sync.go: Sync and SyncTargets, the offline path, reading the log
//     with wandbfile.Reader.
//   - api.go and retry.go: the HTTP client, retries and backoff, and the
//     redaction that keeps the API key out of every message.
//   - payload.go, metrics.go, environment_json.go and yaml.go: the request
//     bodies and generated files (history lines, the config with W&B's
//     _wandb entries, wandb-metadata.json, config.yaml), byte for byte as
//     W&B's own client makes them; each file names its W&B source.
//
// Package wandb (the live run) imports this package, never the reverse:
// it plugs a Sender in as its record sink. `wbinstrument sync` calls Sync
// here directly. The log format is package wandbfile.
package online

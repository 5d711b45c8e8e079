// Package wandbfile reads and writes the bytes of a W&B offline run log, the
// run-<id>.wandb file: what `wbinstrument view` and `wbinstrument sync` read
// and what runtime/wandb's live writer produces. It holds no run state,
// starts no goroutine and uses the standard library only.
//
// Where to start:
//
//   - ReadRunDir (rundata.go) reads a whole run into a RunData, folded as
//     W&B folds it: the easy way for tools and tests.
//   - NewReader and Reader.Next (reader.go) walk the records one at a time;
//     a torn or damaged tail ends the walk with a *CorruptError that says
//     how much of the file is good.
//   - NextPayload, ScanHistory and DecodeRecord (rawread.go) read large
//     logs without decoding every value, for the viewer's index.
//   - Record and the *Record types (records.go) are the decoded messages;
//     AppendRecord (proto.go) encodes one, and LogWriter (txlog.go) frames
//     encoded records into the file.
//
// Two layers, each following W&B's client (github.com/wandb/wandb):
//
//   - Framing (txlog.go, reader.go): W&B's variant of the LevelDB log
//     format, core/pkg/leveldb (record.go): a 7-byte ":W&B" header, then
//     32 KiB blocks of chunks with an unmasked CRC-32 IEEE each.
//   - Records (proto.go, protofields.go, records.go, environment.go): the
//     protobuf wire encoding, by hand, of the wandb_internal.Record
//     messages this module writes, with field numbers named after
//     wandb/proto/wandb_internal.proto. Record types it does not decode
//     (telemetry, artifacts...) are read as their Type and skipped.
//
// The package exports what readers need and the few encoding entry points
// the writer in runtime/wandb uses; the protobuf primitives stay inside.
package wandbfile

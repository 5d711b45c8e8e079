package wandbfile

// The run's environment: W&B's EnvironmentRecord (record type 26) and its
// wire encoding, read from github.com/wandb/wandb:
//
//   - wandb/proto/wandb_internal.proto: EnvironmentRecord, GitRepoRecord,
//     MemoryInfo (field numbers and json_name options);
//   - core/internal/monitor/monitor.go: probeExecutionContext and
//     probeResources, what W&B's own client fills in.
//
// The two JSON forms W&B's sender makes of it are runtime/wandb/online's
// (environment_json.go).

import (
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/internal/protowire"
)

// EnvironmentRecord is the part of W&B's EnvironmentRecord runtime/wandb
// writes and this package reads: where and how the program runs. Empty
// fields are left out, as W&B leaves out what it could not find.
type EnvironmentRecord struct {
	OS              string    // 1: e.g. "Linux-6.1.0-18-amd64-x86_64"
	Python          string    // 2: never set by runtime/wandb
	StartedAt       time.Time // 3: when the writer started
	Args            []string  // 5: command-line arguments after the program
	Program         string    // 6: what was run
	CodePath        string    // 7: the program's path in its repository
	CodePathLocal   string    // 8: the program's path from the working directory
	GitRemote       string    // 9.1: GitRepoRecord.remote_url, credentials removed
	GitCommit       string    // 9.2: GitRepoRecord.commit
	Email           string    // 10
	Root            string    // 11: the directory the run was started from
	Host            string    // 12
	Username        string    // 13
	Executable      string    // 14: the running binary
	CPUCount        uint32    // 16: physical cores
	CPUCountLogical uint32    // 17: logical CPUs
	MemoryTotal     uint64    // 21.1: MemoryInfo.total, bytes
	WriterID        string    // 199: this writer's id
}

func appendUint64(b []byte, field int, v uint64) []byte {
	if v == 0 {
		return b
	}
	return protowire.AppendVarint(protowire.AppendTag(b, field, protowire.Varint), v)
}

func appendEnvironment(b []byte, e *EnvironmentRecord) []byte {
	b = appendString(b, envOS, e.OS)
	b = appendString(b, envPython, e.Python)
	b = appendTimestamp(b, envStartedAt, e.StartedAt)
	b = appendStrings(b, envArgs, e.Args)
	b = appendString(b, envProgram, e.Program)
	b = appendString(b, envCodePath, e.CodePath)
	b = appendString(b, envCodePathLocal, e.CodePathLocal)
	if e.GitRemote != "" || e.GitCommit != "" {
		var gs int
		b, gs = protowire.BeginMessage(b, envGit)
		b = appendString(b, gitRemoteURL, e.GitRemote)
		b = appendString(b, gitCommit, e.GitCommit)
		b = protowire.EndMessage(b, gs)
	}
	b = appendString(b, envEmail, e.Email)
	b = appendString(b, envRoot, e.Root)
	b = appendString(b, envHost, e.Host)
	b = appendString(b, envUsername, e.Username)
	b = appendString(b, envExecutable, e.Executable)
	b = appendUint64(b, envCPUCount, uint64(e.CPUCount))
	b = appendUint64(b, envCPUCountLogical, uint64(e.CPUCountLogical))
	if e.MemoryTotal != 0 {
		var ms int
		b, ms = protowire.BeginMessage(b, envMemory)
		b = appendUint64(b, memoryInfoTotal, e.MemoryTotal)
		b = protowire.EndMessage(b, ms)
	}
	b = appendString(b, envWriterID, e.WriterID)
	return b
}

func decodeEnvironment(d *decoder, e *EnvironmentRecord) {
	// The string fields numbered below 15 (writer_id is 199).
	strs := [...]*string{envOS: &e.OS, envPython: &e.Python, envProgram: &e.Program,
		envCodePath: &e.CodePath, envCodePathLocal: &e.CodePathLocal, envEmail: &e.Email, envRoot: &e.Root,
		envHost: &e.Host, envUsername: &e.Username, envExecutable: &e.Executable}
	git := [...]*string{gitRemoteURL: &e.GitRemote, gitCommit: &e.GitCommit}
	d.fields(func(field, wire int) bool {
		if d.strIn(field, wire, strs[:]) {
			return true
		}
		switch field {
		case envStartedAt:
			d.sub(field, wire, func(s *decoder) { e.StartedAt = decodeTimestamp(s) })
		case envArgs:
			e.Args = append(e.Args, d.str(field, wire))
		case envGit:
			d.subFields(field, wire, func(s *decoder, f, w int) bool { return s.strIn(f, w, git[:]) })
		case envCPUCount:
			e.CPUCount = uint32(d.int64v(field, wire))
		case envCPUCountLogical:
			e.CPUCountLogical = uint32(d.int64v(field, wire))
		case envMemory:
			if v, set := d.subVarint(field, wire, memoryInfoTotal); set {
				e.MemoryTotal = v
			}
		case envWriterID:
			e.WriterID = d.str(field, wire)
		default:
			return false
		}
		return true
	})
}

// Merge applies a later record over e, as proto.Merge does in W&B's
// RunEnvironment.ProcessRecord: set fields replace, lists append.
func (e *EnvironmentRecord) Merge(o *EnvironmentRecord) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&e.OS, o.OS)
	set(&e.Python, o.Python)
	if !o.StartedAt.IsZero() {
		e.StartedAt = o.StartedAt
	}
	e.Args = append(e.Args, o.Args...)
	set(&e.Program, o.Program)
	set(&e.CodePath, o.CodePath)
	set(&e.CodePathLocal, o.CodePathLocal)
	set(&e.GitRemote, o.GitRemote)
	set(&e.GitCommit, o.GitCommit)
	set(&e.Email, o.Email)
	set(&e.Root, o.Root)
	set(&e.Host, o.Host)
	set(&e.Username, o.Username)
	set(&e.Executable, o.Executable)
	if o.CPUCount != 0 {
		e.CPUCount = o.CPUCount
	}
	if o.CPUCountLogical != 0 {
		e.CPUCountLogical = o.CPUCountLogical
	}
	if o.MemoryTotal != 0 {
		e.MemoryTotal = o.MemoryTotal
	}
	set(&e.WriterID, o.WriterID)
}

package wandbfile

// The protobuf wire encoding of the few wandb_internal messages the runtime
// writes, and their decoder. Hand-written because the runtime may depend on
// the standard library only; field numbers follow W&B's
// wandb/proto/wandb_internal.proto and are named in protofields.go.
// Encoding appends to a caller's slice so the writer can reuse one buffer
// for every record.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func appendTag(b []byte, field, wire int) []byte {
	return appendVarint(b, uint64(field)<<3|uint64(wire))
}

// Scalar fields follow proto3: a zero value is not written.

func appendInt64(b []byte, field int, v int64) []byte {
	if v == 0 {
		return b
	}
	return appendVarint(appendTag(b, field, wireVarint), uint64(v))
}

func appendInt32(b []byte, field int, v int32) []byte {
	// int32 is sign-extended to 64 bits on the wire, like protoc does.
	return appendInt64(b, field, int64(v))
}

func appendBool(b []byte, field int, v bool) []byte {
	if !v {
		return b
	}
	return append(appendTag(b, field, wireVarint), 1)
}

func appendDouble(b []byte, field int, v float64) []byte {
	if v == 0 && !math.Signbit(v) {
		return b
	}
	// binary.LittleEndian.AppendUint64 is Go 1.19; the runtime targets 1.18.
	var le [8]byte
	binary.LittleEndian.PutUint64(le[:], math.Float64bits(v))
	return append(appendTag(b, field, wireFixed64), le[:]...)
}

func appendString(b []byte, field int, s string) []byte {
	if s == "" {
		return b
	}
	b = appendVarint(appendTag(b, field, wireBytes), uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b []byte, field int, p []byte) []byte {
	if len(p) == 0 {
		return b
	}
	b = appendVarint(appendTag(b, field, wireBytes), uint64(len(p)))
	return append(b, p...)
}

// beginMessage starts an embedded message field and returns where its body
// starts; endMessage writes the length in front of the body. One length
// byte is reserved and the body moved when its length needs more, so
// nested messages cost no temporary buffers.
func beginMessage(b []byte, field int) ([]byte, int) {
	b = append(appendTag(b, field, wireBytes), 0)
	return b, len(b)
}

func endMessage(b []byte, start int) []byte {
	n := len(b) - start
	if n < 0x80 {
		b[start-1] = byte(n)
		return b
	}
	extra := varintLen(uint64(n)) - 1
	for i := 0; i < extra; i++ {
		b = append(b, 0)
	}
	copy(b[start+extra:], b[start:start+n])
	appendVarint(b[start-1:start-1], uint64(n))
	return b
}

func appendItem(b []byte, field int, it *Item) []byte {
	b, start := beginMessage(b, field)
	b = appendString(b, itemKey, it.Key)
	for _, k := range it.NestedKey {
		b = appendVarint(appendTag(b, itemNestedKey, wireBytes), uint64(len(k)))
		b = append(b, k...)
	}
	b = appendBytes(b, itemValueJSON, it.ValueJSON)
	return endMessage(b, start)
}

func appendItems(b []byte, update, remove []Item) []byte {
	for i := range update {
		b = appendItem(b, itemsUpdate, &update[i])
	}
	for i := range remove {
		b = appendItem(b, itemsRemove, &remove[i])
	}
	return b
}

func appendTimestamp(b []byte, field int, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b, start := beginMessage(b, field)
	b = appendInt64(b, timestampSeconds, t.Unix())
	b = appendInt32(b, timestampNanos, int32(t.Nanosecond()))
	return endMessage(b, start)
}

// AppendRecord appends the encoding of rec to b. The record type field is
// always written, even for an empty message, because a Record without a
// record type makes W&B's sync crash.
func AppendRecord(b []byte, rec *Record) ([]byte, error) {
	b = appendInt64(b, recordNum, rec.Num)
	var start int
	switch {
	case rec.History != nil:
		b, start = beginMessage(b, TypeHistory)
		h := rec.History
		for i := range h.Items {
			b = appendItem(b, historyItem, &h.Items[i])
		}
		b = appendHistoryStep(b, h.Step)
	case rec.Summary != nil:
		b, start = beginMessage(b, TypeSummary)
		b = appendItems(b, rec.Summary.Update, rec.Summary.Remove)
	case rec.Config != nil:
		b, start = beginMessage(b, TypeConfig)
		b = appendItems(b, rec.Config.Update, rec.Config.Remove)
	case rec.Files != nil:
		b, start = beginMessage(b, TypeFiles)
		for _, f := range rec.Files.Files {
			var fs int
			b, fs = beginMessage(b, filesFiles)
			b = appendString(b, fileItemPath, f.Path)
			b = appendInt32(b, fileItemPolicy, int32(f.Policy))
			b = appendInt32(b, fileItemType, int32(f.Type))
			b = endMessage(b, fs)
		}
	case rec.Stats != nil:
		b, start = beginMessage(b, TypeStats)
		b = appendInt32(b, statsType, rec.Stats.StatsType)
		b = appendTimestamp(b, statsTimestamp, rec.Stats.Timestamp)
		for i := range rec.Stats.Items {
			b = appendItem(b, statsItem, &rec.Stats.Items[i])
		}
	case rec.Metric != nil:
		b, start = beginMessage(b, TypeMetric)
		m := rec.Metric
		b = appendString(b, metricName, m.Name)
		b = appendString(b, metricGlobName, m.GlobName)
		b = appendString(b, metricStepMetric, m.StepMetric)
		b = appendInt32(b, metricStepMetricIndex, m.StepMetricIndex)
		if m.Options != (MetricOptions{}) {
			var os int
			b, os = beginMessage(b, metricOptions)
			b = appendBool(b, optionsStepSync, m.Options.StepSync)
			b = appendBool(b, optionsHidden, m.Options.Hidden)
			b = appendBool(b, optionsDefined, m.Options.Defined)
			b = endMessage(b, os)
		}
		if sm := m.Summary; sm != nil {
			var ss int
			b, ss = beginMessage(b, metricSummary)
			for i, v := range [...]bool{sm.Min, sm.Max, sm.Mean, sm.Best, sm.Last, sm.None, sm.Copy, sm.First} {
				b = appendBool(b, summaryFirstFlag+i, v)
			}
			b = endMessage(b, ss)
		}
		b = appendInt32(b, metricGoal, m.Goal)
		if m.Overwrite {
			var cs int
			b, cs = beginMessage(b, metricControl)
			b = appendBool(b, controlOverwrite, true)
			b = endMessage(b, cs)
		}
		b = appendBool(b, metricExpandedFromGlob, m.ExpandedFromGlob)
	case rec.Environment != nil:
		b, start = beginMessage(b, TypeEnvironment)
		b = appendEnvironment(b, rec.Environment)
	case rec.OutputRaw != nil:
		b, start = beginMessage(b, TypeOutputRaw)
		b = appendInt32(b, outputRawType, rec.OutputRaw.OutputType)
		b = appendString(b, outputRawTimestamp, rec.OutputRaw.Timestamp)
		b = appendString(b, outputRawLine, rec.OutputRaw.Line)
	case rec.Run != nil:
		b, start = beginMessage(b, TypeRun)
		b = appendRun(b, rec.Run)
	case rec.Exit != nil:
		b, start = beginMessage(b, TypeExit)
		b = appendInt32(b, exitExitCode, rec.Exit.ExitCode)
		b = appendInt32(b, exitRuntime, rec.Exit.Runtime)
		b = appendBool(b, exitNotComplete, rec.Exit.NotComplete)
	case rec.Header != nil:
		b, start = beginMessage(b, TypeHeader)
		if rec.Header.Producer != "" || rec.Header.MinConsumer != "" {
			var vs int
			b, vs = beginMessage(b, headerVersionInfo)
			b = appendString(b, versionInfoProducer, rec.Header.Producer)
			b = appendString(b, versionInfoMinConsumer, rec.Header.MinConsumer)
			b = endMessage(b, vs)
		}
	default:
		return b, errors.New("wandb: refusing to encode a record without a record type")
	}
	return endMessage(b, start), nil
}

// appendHistoryStep writes HistoryRecord.step. It is always present, also
// for step 0, as in W&B's own writer.
func appendHistoryStep(b []byte, step int64) []byte {
	b, start := beginMessage(b, historyStep)
	b = appendInt64(b, stepNum, step)
	return endMessage(b, start)
}

// BeginHistory appends the start of a history Record numbered num, for a
// writer that encodes rows itself rather than building a HistoryRecord:
// then AppendHistoryItem for each item, then EndHistory with the returned
// start. The bytes are those AppendRecord writes for the same record.
func BeginHistory(b []byte, num int64) ([]byte, int) {
	b = appendInt64(b, recordNum, num)
	return beginMessage(b, TypeHistory)
}

// AppendHistoryItem appends one HistoryRecord.item: key and its value,
// which must be valid JSON.
func AppendHistoryItem(b []byte, key string, valueJSON []byte) []byte {
	b, start := beginMessage(b, historyItem)
	b = appendVarint(appendTag(b, itemNestedKey, wireBytes), uint64(len(key)))
	b = append(b, key...)
	b = appendBytes(b, itemValueJSON, valueJSON)
	return endMessage(b, start)
}

// EndHistory appends HistoryRecord.step and closes the record BeginHistory
// started at start.
func EndHistory(b []byte, start int, step int64) []byte {
	b = appendHistoryStep(b, step)
	return endMessage(b, start)
}

func appendRun(b []byte, r *RunRecord) []byte {
	b = appendString(b, runRunID, r.RunID)
	b = appendString(b, runEntity, r.Entity)
	b = appendString(b, runProject, r.Project)
	if r.Config != nil {
		var s int
		b, s = beginMessage(b, runConfig)
		b = appendItems(b, r.Config.Update, r.Config.Remove)
		b = endMessage(b, s)
	}
	if r.Summary != nil {
		var s int
		b, s = beginMessage(b, runSummary)
		b = appendItems(b, r.Summary.Update, r.Summary.Remove)
		b = endMessage(b, s)
	}
	b = appendString(b, runRunGroup, r.RunGroup)
	b = appendString(b, runJobType, r.JobType)
	b = appendString(b, runDisplayName, r.DisplayName)
	b = appendString(b, runNotes, r.Notes)
	for _, t := range r.Tags {
		b = appendVarint(appendTag(b, runTags, wireBytes), uint64(len(t)))
		b = append(b, t...)
	}
	b = appendString(b, runSweepID, r.SweepID)
	b = appendString(b, runHost, r.Host)
	b = appendInt64(b, runStartingStep, r.StartingStep)
	b = appendString(b, runStorageID, r.StorageID)
	b = appendTimestamp(b, runStartTime, r.StartTime)
	b = appendBool(b, runResumed, r.Resumed)
	b = appendInt32(b, runRuntime, r.Runtime)
	return b
}

// decoder walks the fields of one protobuf message.
type decoder struct {
	b   []byte
	err error
}

var errTruncated = errors.New("truncated protobuf message")

// next returns the next field's number and wire type; ok is false at the
// end of the message or on an error (then d.err is set).
func (d *decoder) next() (field, wire int, ok bool) {
	if d.err != nil || len(d.b) == 0 {
		return 0, 0, false
	}
	tag := d.varint()
	if d.err != nil {
		return 0, 0, false
	}
	field, wire = int(tag>>3), int(tag&7)
	if field == 0 {
		d.err = errors.New("protobuf field number 0")
		return 0, 0, false
	}
	return field, wire, true
}

func (d *decoder) varint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *decoder) bytes() []byte {
	n := d.varint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail(errTruncated)
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) fixed64() uint64 {
	if len(d.b) < 8 {
		d.fail(errTruncated)
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// skip steps over a field this package does not decode.
func (d *decoder) skip(wire int) {
	switch wire {
	case wireVarint:
		d.varint()
	case wireFixed64:
		d.fixed64()
	case wireBytes:
		d.bytes()
	case wireFixed32:
		if len(d.b) < 4 {
			d.fail(errTruncated)
			return
		}
		d.b = d.b[4:]
	default:
		d.fail(fmt.Errorf("unsupported protobuf wire type %d", wire))
	}
}

// want checks the wire type of a known field; a mismatch is corruption.
func (d *decoder) want(field, wire, expected int) bool {
	if wire != expected {
		d.fail(fmt.Errorf("protobuf field %d has wire type %d, want %d", field, wire, expected))
		return false
	}
	return true
}

func (d *decoder) str(field, wire int) string {
	if !d.want(field, wire, wireBytes) {
		return ""
	}
	return string(d.bytes())
}

func (d *decoder) int64v(field, wire int) int64 {
	if !d.want(field, wire, wireVarint) {
		return 0
	}
	return int64(d.varint())
}

func (d *decoder) msg(field, wire int) *decoder {
	if !d.want(field, wire, wireBytes) {
		return &decoder{}
	}
	return &decoder{b: d.bytes()}
}

// sub decodes an embedded message with fn and folds its error into d.
func (d *decoder) sub(field, wire int, fn func(*decoder)) {
	s := d.msg(field, wire)
	if d.err != nil {
		return
	}
	fn(s)
	if s.err != nil {
		d.fail(s.err)
	}
}

// decodeRecord decodes one Record payload. Strings and values are copied,
// so the result does not alias payload.
func decodeRecord(payload []byte) (*Record, error) {
	rec := &Record{}
	d := &decoder{b: payload}
	for {
		field, wire, ok := d.next()
		if !ok {
			break
		}
		if field == recordNum {
			rec.Num = d.int64v(field, wire)
			continue
		}
		known := true
		switch field {
		case TypeHistory:
			h := &HistoryRecord{}
			d.sub(field, wire, func(s *decoder) { decodeHistory(s, h) })
			rec.History = h
		case TypeSummary:
			sr := &SummaryRecord{}
			d.sub(field, wire, func(s *decoder) { sr.Update, sr.Remove = decodeItems(s) })
			rec.Summary = sr
		case TypeConfig:
			cr := &ConfigRecord{}
			d.sub(field, wire, func(s *decoder) { cr.Update, cr.Remove = decodeItems(s) })
			rec.Config = cr
		case TypeFiles:
			fr := &FilesRecord{}
			d.sub(field, wire, func(s *decoder) { decodeFiles(s, fr) })
			rec.Files = fr
		case TypeStats:
			sr := &StatsRecord{}
			d.sub(field, wire, func(s *decoder) { decodeStats(s, sr) })
			rec.Stats = sr
		case TypeMetric:
			m := &MetricRecord{}
			d.sub(field, wire, func(s *decoder) { decodeMetric(s, m) })
			rec.Metric = m
		case TypeOutputRaw:
			o := &OutputRawRecord{}
			d.sub(field, wire, func(s *decoder) { decodeOutputRaw(s, o) })
			rec.OutputRaw = o
		case TypeRun:
			r := &RunRecord{}
			d.sub(field, wire, func(s *decoder) { decodeRun(s, r) })
			rec.Run = r
		case TypeExit:
			e := &RunExitRecord{}
			d.sub(field, wire, func(s *decoder) { decodeExit(s, e) })
			rec.Exit = e
		case TypeHeader:
			h := &HeaderRecord{}
			d.sub(field, wire, func(s *decoder) { decodeHeader(s, h) })
			rec.Header = h
		case TypeEnvironment:
			e := &EnvironmentRecord{}
			d.sub(field, wire, func(s *decoder) { decodeEnvironment(s, e) })
			rec.Environment = e
		case TypeOutput, TypeArtifact, TypeTBRecord, TypeAlert, TypeTelemetry,
			TypeFinal, TypeFooter, TypePreempting, TypeUseArtifact,
			TypeOutputLog:
			d.skip(wire)
		default:
			// control (16), uuid (19), _info (200) and unknown fields.
			known = false
			d.skip(wire)
		}
		if known {
			rec.Type = field
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return rec, nil
}

func decodeItem(d *decoder) Item {
	var it Item
	for {
		field, wire, ok := d.next()
		if !ok {
			return it
		}
		switch field {
		case itemKey:
			it.Key = d.str(field, wire)
		case itemNestedKey:
			it.NestedKey = append(it.NestedKey, d.str(field, wire))
		case itemValueJSON:
			if d.want(field, wire, wireBytes) {
				it.ValueJSON = append([]byte(nil), d.bytes()...)
			}
		default:
			d.skip(wire)
		}
	}
}

func decodeItems(d *decoder) (update, remove []Item) {
	for {
		field, wire, ok := d.next()
		if !ok {
			return update, remove
		}
		switch field {
		case itemsUpdate:
			d.sub(field, wire, func(s *decoder) { update = append(update, decodeItem(s)) })
		case itemsRemove:
			d.sub(field, wire, func(s *decoder) { remove = append(remove, decodeItem(s)) })
		default:
			d.skip(wire)
		}
	}
}

func decodeHistory(d *decoder, h *HistoryRecord) {
	for {
		field, wire, ok := d.next()
		if !ok {
			return
		}
		switch field {
		case historyItem:
			d.sub(field, wire, func(s *decoder) { h.Items = append(h.Items, decodeItem(s)) })
		case historyStep:
			d.sub(field, wire, func(s *decoder) {
				for {
					f, w, ok := s.next()
					if !ok {
						return
					}
					if f == stepNum {
						h.Step = s.int64v(f, w)
					} else {
						s.skip(w)
					}
				}
			})
		default:
			d.skip(wire)
		}
	}
}

func decodeFiles(d *decoder, fr *FilesRecord) {
	for {
		field, wire, ok := d.next()
		if !ok {
			return
		}
		if field != filesFiles {
			d.skip(wire)
			continue
		}
		var f FilesItem
		d.sub(field, wire, func(s *decoder) {
			for {
				ff, w, ok := s.next()
				if !ok {
					return
				}
				switch ff {
				case fileItemPath:
					f.Path = s.str(ff, w)
				case fileItemPolicy:
					f.Policy = FilePolicy(s.int64v(ff, w))
				case fileItemType:
					f.Type = FileType(s.int64v(ff, w))
				default:
					s.skip(w)
				}
			}
		})
		fr.Files = append(fr.Files, f)
	}
}

func decodeTimestamp(d *decoder) time.Time {
	var sec, nsec int64
	for {
		field, wire, ok := d.next()
		if !ok {
			break
		}
		switch field {
		case timestampSeconds:
			sec = d.int64v(field, wire)
		case timestampNanos:
			nsec = d.int64v(field, wire)
		default:
			d.skip(wire)
		}
	}
	return time.Unix(sec, nsec).UTC()
}

func decodeStats(d *decoder, sr *StatsRecord) {
	for {
		field, wire, ok := d.next()
		if !ok {
			return
		}
		switch field {
		case statsType:
			sr.StatsType = int32(d.int64v(field, wire))
		case statsTimestamp:
			d.sub(field, wire, func(s *decoder) { sr.Timestamp = decodeTimestamp(s) })
		case statsItem:
			d.sub(field, wire, func(s *decoder) { sr.Items = append(sr.Items, decodeItem(s)) })
		default:
			d.skip(wire)
		}
	}
}

func decodeMetric(d *decoder, m *MetricRecord) {
	for {
		field, wire, ok := d.next()
		if !ok {
			return
		}
		switch field {
		case metricName:
			m.Name = d.str(field, wire)
		case metricGlobName:
			m.GlobName = d.str(field, wire)
		case metricStepMetric:
			m.StepMetric = d.str(field, wire)
		case metricStepMetricIndex:
			m.StepMetricIndex = int32(d.int64v(field, wire))
		case metricOptions:
			d.sub(field, wire, func(s *decoder) {
				for {
					f, w, ok := s.next()
					if !ok {
						return
					}
					switch f {
					case optionsStepSync:
						m.Options.StepSync = s.int64v(f, w) != 0
					case optionsHidden:
						m.Options.Hidden = s.int64v(f, w) != 0
					case optionsDefined:
						m.Options.Defined = s.int64v(f, w) != 0
					default:
						s.skip(w)
					}
				}
			})
		case metricSummary:
			sm := &MetricSummary{}
			flags := [...]*bool{&sm.Min, &sm.Max, &sm.Mean, &sm.Best, &sm.Last, &sm.None, &sm.Copy, &sm.First}
			d.sub(field, wire, func(s *decoder) {
				for {
					f, w, ok := s.next()
					if !ok {
						return
					}
					if i := f - summaryFirstFlag; i >= 0 && i < len(flags) {
						*flags[i] = s.int64v(f, w) != 0
					} else {
						s.skip(w)
					}
				}
			})
			m.Summary = sm
		case metricGoal:
			m.Goal = int32(d.int64v(field, wire))
		case metricControl:
			d.sub(field, wire, func(s *decoder) {
				for {
					f, w, ok := s.next()
					if !ok {
						return
					}
					if f == controlOverwrite {
						m.Overwrite = s.int64v(f, w) != 0
					} else {
						s.skip(w)
					}
				}
			})
		case metricExpandedFromGlob:
			m.ExpandedFromGlob = d.int64v(field, wire) != 0
		default:
			d.skip(wire)
		}
	}
}

func decodeOutputRaw(d *decoder, o *OutputRawRecord) {
	for {
		field, wire, ok := d.next()
		if !ok {
			return
		}
		switch field {
		case outputRawType:
			o.OutputType = int32(d.int64v(field, wire))
		case outputRawTimestamp:
			o.Timestamp = d.str(field, wire)
		case outputRawLine:
			o.Line = d.str(field, wire)
		default:
			d.skip(wire)
		}
	}
}

func decodeRun(d *decoder, r *RunRecord) {
	for {
		field, wire, ok := d.next()
		if !ok {
			return
		}
		switch field {
		case runRunID:
			r.RunID = d.str(field, wire)
		case runEntity:
			r.Entity = d.str(field, wire)
		case runProject:
			r.Project = d.str(field, wire)
		case runConfig:
			c := &ConfigRecord{}
			d.sub(field, wire, func(s *decoder) { c.Update, c.Remove = decodeItems(s) })
			r.Config = c
		case runSummary:
			sr := &SummaryRecord{}
			d.sub(field, wire, func(s *decoder) { sr.Update, sr.Remove = decodeItems(s) })
			r.Summary = sr
		case runRunGroup:
			r.RunGroup = d.str(field, wire)
		case runJobType:
			r.JobType = d.str(field, wire)
		case runDisplayName:
			r.DisplayName = d.str(field, wire)
		case runNotes:
			r.Notes = d.str(field, wire)
		case runTags:
			r.Tags = append(r.Tags, d.str(field, wire))
		case runSweepID:
			r.SweepID = d.str(field, wire)
		case runHost:
			r.Host = d.str(field, wire)
		case runStartingStep:
			r.StartingStep = d.int64v(field, wire)
		case runStorageID:
			r.StorageID = d.str(field, wire)
		case runStartTime:
			d.sub(field, wire, func(s *decoder) { r.StartTime = decodeTimestamp(s) })
		case runResumed:
			r.Resumed = d.int64v(field, wire) != 0
		case runRuntime:
			r.Runtime = int32(d.int64v(field, wire))
		default:
			d.skip(wire)
		}
	}
}

func decodeExit(d *decoder, e *RunExitRecord) {
	for {
		field, wire, ok := d.next()
		if !ok {
			return
		}
		switch field {
		case exitExitCode:
			e.ExitCode = int32(d.int64v(field, wire))
		case exitRuntime:
			e.Runtime = int32(d.int64v(field, wire))
		case exitNotComplete:
			e.NotComplete = d.int64v(field, wire) != 0
		default:
			d.skip(wire)
		}
	}
}

func decodeHeader(d *decoder, h *HeaderRecord) {
	for {
		field, wire, ok := d.next()
		if !ok {
			return
		}
		if field != headerVersionInfo {
			d.skip(wire)
			continue
		}
		d.sub(field, wire, func(s *decoder) {
			for {
				f, w, ok := s.next()
				if !ok {
					return
				}
				switch f {
				case versionInfoProducer:
					h.Producer = s.str(f, w)
				case versionInfoMinConsumer:
					h.MinConsumer = s.str(f, w)
				default:
					s.skip(w)
				}
			}
		})
	}
}

package wandbfile

// The protobuf wire encoding of the few wandb_internal messages the runtime
// writes, and their decoder. Hand-written because the runtime may depend on
// the standard library only; field numbers follow W&B's
// wandb/proto/wandb_internal.proto and are named in protofields.go.
// Encoding appends to a caller's slice so the writer can reuse one buffer
// for every record; the wire primitives are runtime/internal/protowire's,
// shared with the OTLP spans of package otlp.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/internal/protowire"
)

// Scalar fields follow proto3: a zero value is not written.

func appendInt64(b []byte, field int, v int64) []byte {
	if v == 0 {
		return b
	}
	return protowire.AppendVarint(protowire.AppendTag(b, field, protowire.Varint), uint64(v))
}

func appendInt32(b []byte, field int, v int32) []byte {
	// int32 is sign-extended to 64 bits on the wire, like protoc does.
	return appendInt64(b, field, int64(v))
}

func appendBool(b []byte, field int, v bool) []byte {
	if !v {
		return b
	}
	return append(protowire.AppendTag(b, field, protowire.Varint), 1)
}

func appendDouble(b []byte, field int, v float64) []byte {
	if v == 0 && !math.Signbit(v) {
		return b
	}
	return protowire.AppendFixed64(b, field, math.Float64bits(v))
}

func appendString(b []byte, field int, s string) []byte {
	if s == "" {
		return b
	}
	return protowire.AppendString(b, field, s)
}

func appendBytes(b []byte, field int, p []byte) []byte {
	if len(p) == 0 {
		return b
	}
	return protowire.AppendBytes(b, field, p)
}

// appendStrings appends a repeated string field. Unlike a scalar field
// it keeps empty elements: an empty argument or tag is one.
func appendStrings(b []byte, field int, list []string) []byte {
	for _, s := range list {
		b = protowire.AppendString(b, field, s)
	}
	return b
}

func appendItem(b []byte, field int, it *Item) []byte {
	b, start := protowire.BeginMessage(b, field)
	b = appendString(b, itemKey, it.Key)
	b = appendStrings(b, itemNestedKey, it.NestedKey)
	b = appendBytes(b, itemValueJSON, it.ValueJSON)
	return protowire.EndMessage(b, start)
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

// appendItemsMessage appends a SummaryRecord or ConfigRecord embedded in
// field, even an empty one.
func appendItemsMessage(b []byte, field int, update, remove []Item) []byte {
	b, start := protowire.BeginMessage(b, field)
	b = appendItems(b, update, remove)
	return protowire.EndMessage(b, start)
}

func appendTimestamp(b []byte, field int, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b, start := protowire.BeginMessage(b, field)
	b = appendInt64(b, timestampSeconds, t.Unix())
	b = appendInt32(b, timestampNanos, int32(t.Nanosecond()))
	return protowire.EndMessage(b, start)
}

// AppendRecord appends the encoding of rec to b. The record type field is
// always written, even for an empty message, because a Record without a
// record type makes W&B's sync crash.
func AppendRecord(b []byte, rec *Record) ([]byte, error) {
	b = appendInt64(b, recordNum, rec.Num)
	typ := rec.payloadType()
	if typ == 0 {
		return b, errors.New("wandb: refusing to encode a record without a record type")
	}
	b, start := protowire.BeginMessage(b, typ)
	switch typ {
	case TypeHistory:
		h := rec.History
		for i := range h.Items {
			b = appendItem(b, historyItem, &h.Items[i])
		}
		b = appendHistoryStep(b, h.Step)
	case TypeSummary:
		b = appendItems(b, rec.Summary.Update, rec.Summary.Remove)
	case TypeConfig:
		b = appendItems(b, rec.Config.Update, rec.Config.Remove)
	case TypeFiles:
		for _, f := range rec.Files.Files {
			var fs int
			b, fs = protowire.BeginMessage(b, filesFiles)
			b = appendString(b, fileItemPath, f.Path)
			b = appendInt32(b, fileItemPolicy, int32(f.Policy))
			b = appendInt32(b, fileItemType, int32(f.Type))
			b = protowire.EndMessage(b, fs)
		}
	case TypeStats:
		b = appendInt32(b, statsType, rec.Stats.StatsType)
		b = appendTimestamp(b, statsTimestamp, rec.Stats.Timestamp)
		for i := range rec.Stats.Items {
			b = appendItem(b, statsItem, &rec.Stats.Items[i])
		}
	case TypeMetric:
		m := rec.Metric
		b = appendString(b, metricName, m.Name)
		b = appendString(b, metricGlobName, m.GlobName)
		b = appendString(b, metricStepMetric, m.StepMetric)
		b = appendInt32(b, metricStepMetricIndex, m.StepMetricIndex)
		if m.Options != (MetricOptions{}) {
			var os int
			b, os = protowire.BeginMessage(b, metricOptions)
			b = appendBool(b, optionsStepSync, m.Options.StepSync)
			b = appendBool(b, optionsHidden, m.Options.Hidden)
			b = appendBool(b, optionsDefined, m.Options.Defined)
			b = protowire.EndMessage(b, os)
		}
		if sm := m.Summary; sm != nil {
			var ss int
			b, ss = protowire.BeginMessage(b, metricSummary)
			for i, v := range [...]bool{sm.Min, sm.Max, sm.Mean, sm.Best, sm.Last, sm.None, sm.Copy, sm.First} {
				b = appendBool(b, summaryFirstFlag+i, v)
			}
			b = protowire.EndMessage(b, ss)
		}
		b = appendInt32(b, metricGoal, m.Goal)
		if m.Overwrite {
			var cs int
			b, cs = protowire.BeginMessage(b, metricControl)
			b = appendBool(b, controlOverwrite, true)
			b = protowire.EndMessage(b, cs)
		}
		b = appendBool(b, metricExpandedFromGlob, m.ExpandedFromGlob)
	case TypeEnvironment:
		b = appendEnvironment(b, rec.Environment)
	case TypeOutputRaw:
		b = appendInt32(b, outputRawType, rec.OutputRaw.OutputType)
		b = appendString(b, outputRawTimestamp, rec.OutputRaw.Timestamp)
		b = appendString(b, outputRawLine, rec.OutputRaw.Line)
	case TypeRun:
		b = appendRun(b, rec.Run)
	case TypeExit:
		b = appendInt32(b, exitExitCode, rec.Exit.ExitCode)
		b = appendInt32(b, exitRuntime, rec.Exit.Runtime)
		b = appendBool(b, exitNotComplete, rec.Exit.NotComplete)
	case TypeHeader:
		if rec.Header.Producer != "" || rec.Header.MinConsumer != "" {
			var vs int
			b, vs = protowire.BeginMessage(b, headerVersionInfo)
			b = appendString(b, versionInfoProducer, rec.Header.Producer)
			b = appendString(b, versionInfoMinConsumer, rec.Header.MinConsumer)
			b = protowire.EndMessage(b, vs)
		}
	}
	return protowire.EndMessage(b, start), nil
}

// payloadType is the record type of the message rec carries (the first
// set, in this order), or 0 when it carries none.
func (rec *Record) payloadType() int {
	switch {
	case rec.History != nil:
		return TypeHistory
	case rec.Summary != nil:
		return TypeSummary
	case rec.Config != nil:
		return TypeConfig
	case rec.Files != nil:
		return TypeFiles
	case rec.Stats != nil:
		return TypeStats
	case rec.Metric != nil:
		return TypeMetric
	case rec.Environment != nil:
		return TypeEnvironment
	case rec.OutputRaw != nil:
		return TypeOutputRaw
	case rec.Run != nil:
		return TypeRun
	case rec.Exit != nil:
		return TypeExit
	case rec.Header != nil:
		return TypeHeader
	}
	return 0
}

// appendHistoryStep writes HistoryRecord.step. It is always present, also
// for step 0, as in W&B's own writer.
func appendHistoryStep(b []byte, step int64) []byte {
	b, start := protowire.BeginMessage(b, historyStep)
	b = appendInt64(b, stepNum, step)
	return protowire.EndMessage(b, start)
}

// BeginHistory appends the start of a history Record numbered num, for a
// writer that encodes rows itself rather than building a HistoryRecord:
// then AppendHistoryItem for each item, then EndHistory with the returned
// start. The bytes are those AppendRecord writes for the same record.
func BeginHistory(b []byte, num int64) ([]byte, int) {
	b = appendInt64(b, recordNum, num)
	return protowire.BeginMessage(b, TypeHistory)
}

// AppendHistoryItem appends one HistoryRecord.item: key and its value,
// which must be valid JSON.
func AppendHistoryItem(b []byte, key string, valueJSON []byte) []byte {
	b, start := protowire.BeginMessage(b, historyItem)
	b = protowire.AppendString(b, itemNestedKey, key)
	b = appendBytes(b, itemValueJSON, valueJSON)
	return protowire.EndMessage(b, start)
}

// EndHistory appends HistoryRecord.step and closes the record BeginHistory
// started at start.
func EndHistory(b []byte, start int, step int64) []byte {
	b = appendHistoryStep(b, step)
	return protowire.EndMessage(b, start)
}

func appendRun(b []byte, r *RunRecord) []byte {
	b = appendString(b, runRunID, r.RunID)
	b = appendString(b, runEntity, r.Entity)
	b = appendString(b, runProject, r.Project)
	if r.Config != nil {
		b = appendItemsMessage(b, runConfig, r.Config.Update, r.Config.Remove)
	}
	if r.Summary != nil {
		b = appendItemsMessage(b, runSummary, r.Summary.Update, r.Summary.Remove)
	}
	b = appendString(b, runRunGroup, r.RunGroup)
	b = appendString(b, runJobType, r.JobType)
	b = appendString(b, runDisplayName, r.DisplayName)
	b = appendString(b, runNotes, r.Notes)
	b = appendStrings(b, runTags, r.Tags)
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
	case protowire.Varint:
		d.varint()
	case protowire.Fixed64:
		d.fixed64()
	case protowire.Bytes:
		d.bytes()
	case protowire.Fixed32:
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
	if !d.want(field, wire, protowire.Bytes) {
		return ""
	}
	return string(d.bytes())
}

func (d *decoder) int64v(field, wire int) int64 {
	if !d.want(field, wire, protowire.Varint) {
		return 0
	}
	return int64(d.varint())
}

func (d *decoder) msg(field, wire int) *decoder {
	if !d.want(field, wire, protowire.Bytes) {
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

// fields walks the fields of d's message: known decodes a field it knows
// and returns false for any other, which is skipped, as protobuf readers
// skip the fields they do not know.
func (d *decoder) fields(known func(field, wire int) bool) {
	for {
		field, wire, ok := d.next()
		if !ok {
			return
		}
		if !known(field, wire) {
			d.skip(wire)
		}
	}
}

// subFields walks the fields of the message embedded in a field, as
// fields does.
func (d *decoder) subFields(field, wire int, known func(s *decoder, field, wire int) bool) {
	d.sub(field, wire, func(s *decoder) {
		s.fields(func(f, w int) bool { return known(s, f, w) })
	})
}

// subVarint reads the varint field inner of the message embedded in a
// field (HistoryStep, MetricControl and MemoryInfo have one each); set
// is false when the message does not have it.
func (d *decoder) subVarint(field, wire, inner int) (v uint64, set bool) {
	d.sub(field, wire, func(s *decoder) { v, set = s.varintField(inner) })
	return v, set
}

// varintField reads the varint field inner of d's message, skipping the
// others; set is false when it has none.
func (d *decoder) varintField(inner int) (v uint64, set bool) {
	for {
		f, w, ok := d.next()
		if !ok {
			return v, set
		}
		if f == inner {
			v, set = uint64(d.int64v(f, w)), true
		} else {
			d.skip(w)
		}
	}
}

// subRecord decodes the message embedded in a field into a new T.
func subRecord[T any](d *decoder, field, wire int, decode func(*decoder, *T)) *T {
	v := new(T)
	d.sub(field, wire, func(s *decoder) { decode(s, v) })
	return v
}

// decodeRecord decodes one Record payload. Strings and values are copied,
// so the result does not alias payload.
func decodeRecord(payload []byte) (*Record, error) {
	rec := &Record{}
	d := &decoder{b: payload}
	d.fields(func(field, wire int) bool {
		if field == recordNum {
			rec.Num = d.int64v(field, wire)
			return true
		}
		switch field {
		case TypeHistory:
			rec.History = subRecord(d, field, wire, decodeHistory)
		case TypeSummary:
			rec.Summary = subRecord(d, field, wire, func(s *decoder, sr *SummaryRecord) { sr.Update, sr.Remove = decodeItems(s) })
		case TypeConfig:
			rec.Config = subRecord(d, field, wire, func(s *decoder, cr *ConfigRecord) { cr.Update, cr.Remove = decodeItems(s) })
		case TypeFiles:
			rec.Files = subRecord(d, field, wire, decodeFiles)
		case TypeStats:
			rec.Stats = subRecord(d, field, wire, decodeStats)
		case TypeMetric:
			rec.Metric = subRecord(d, field, wire, decodeMetric)
		case TypeOutputRaw:
			rec.OutputRaw = subRecord(d, field, wire, decodeOutputRaw)
		case TypeRun:
			rec.Run = subRecord(d, field, wire, decodeRun)
		case TypeExit:
			rec.Exit = subRecord(d, field, wire, decodeExit)
		case TypeHeader:
			rec.Header = subRecord(d, field, wire, decodeHeader)
		case TypeEnvironment:
			rec.Environment = subRecord(d, field, wire, decodeEnvironment)
		case TypeOutput, TypeArtifact, TypeTBRecord, TypeAlert, TypeTelemetry,
			TypeFinal, TypeFooter, TypePreempting, TypeUseArtifact,
			TypeOutputLog:
			d.skip(wire)
		default:
			// control (16), uuid (19), _info (200) and unknown fields.
			return false
		}
		rec.Type = field
		return true
	})
	if d.err != nil {
		return nil, d.err
	}
	return rec, nil
}

func decodeItem(d *decoder) Item {
	var it Item
	d.fields(func(field, wire int) bool {
		switch field {
		case itemKey:
			it.Key = d.str(field, wire)
		case itemNestedKey:
			it.NestedKey = append(it.NestedKey, d.str(field, wire))
		case itemValueJSON:
			if d.want(field, wire, protowire.Bytes) {
				it.ValueJSON = append([]byte(nil), d.bytes()...)
			}
		default:
			return false
		}
		return true
	})
	return it
}

func decodeItems(d *decoder) (update, remove []Item) {
	d.fields(func(field, wire int) bool {
		switch field {
		case itemsUpdate:
			d.sub(field, wire, func(s *decoder) { update = append(update, decodeItem(s)) })
		case itemsRemove:
			d.sub(field, wire, func(s *decoder) { remove = append(remove, decodeItem(s)) })
		default:
			return false
		}
		return true
	})
	return update, remove
}

func decodeHistory(d *decoder, h *HistoryRecord) {
	d.fields(func(field, wire int) bool {
		switch field {
		case historyItem:
			d.sub(field, wire, func(s *decoder) { h.Items = append(h.Items, decodeItem(s)) })
		case historyStep:
			if v, set := d.subVarint(field, wire, stepNum); set {
				h.Step = int64(v)
			}
		default:
			return false
		}
		return true
	})
}

func decodeFiles(d *decoder, fr *FilesRecord) {
	d.fields(func(field, wire int) bool {
		if field != filesFiles {
			return false
		}
		var f FilesItem
		d.subFields(field, wire, func(s *decoder, ff, w int) bool {
			switch ff {
			case fileItemPath:
				f.Path = s.str(ff, w)
			case fileItemPolicy:
				f.Policy = FilePolicy(s.int64v(ff, w))
			case fileItemType:
				f.Type = FileType(s.int64v(ff, w))
			default:
				return false
			}
			return true
		})
		fr.Files = append(fr.Files, f)
		return true
	})
}

func decodeTimestamp(d *decoder) time.Time {
	var sec, nsec int64
	d.fields(func(field, wire int) bool {
		switch field {
		case timestampSeconds:
			sec = d.int64v(field, wire)
		case timestampNanos:
			nsec = d.int64v(field, wire)
		default:
			return false
		}
		return true
	})
	return time.Unix(sec, nsec).UTC()
}

func decodeStats(d *decoder, sr *StatsRecord) {
	d.fields(func(field, wire int) bool {
		switch field {
		case statsType:
			sr.StatsType = int32(d.int64v(field, wire))
		case statsTimestamp:
			d.sub(field, wire, func(s *decoder) { sr.Timestamp = decodeTimestamp(s) })
		case statsItem:
			d.sub(field, wire, func(s *decoder) { sr.Items = append(sr.Items, decodeItem(s)) })
		default:
			return false
		}
		return true
	})
}

func decodeMetric(d *decoder, m *MetricRecord) {
	d.fields(func(field, wire int) bool {
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
			flags := [...]*bool{optionsStepSync: &m.Options.StepSync, optionsHidden: &m.Options.Hidden, optionsDefined: &m.Options.Defined}
			d.subFields(field, wire, func(s *decoder, f, w int) bool { return s.boolIn(f, w, flags[:], 0) })
		case metricSummary:
			sm := &MetricSummary{}
			flags := [...]*bool{&sm.Min, &sm.Max, &sm.Mean, &sm.Best, &sm.Last, &sm.None, &sm.Copy, &sm.First}
			d.subFields(field, wire, func(s *decoder, f, w int) bool { return s.boolIn(f, w, flags[:], summaryFirstFlag) })
			m.Summary = sm
		case metricGoal:
			m.Goal = int32(d.int64v(field, wire))
		case metricControl:
			if v, set := d.subVarint(field, wire, controlOverwrite); set {
				m.Overwrite = v != 0
			}
		case metricExpandedFromGlob:
			m.ExpandedFromGlob = d.int64v(field, wire) != 0
		default:
			return false
		}
		return true
	})
}

// boolIn decodes a bool field into its entry in flags, a table from
// field number less first to where it goes; false when it has none.
func (d *decoder) boolIn(field, wire int, flags []*bool, first int) bool {
	p := fieldIn(flags, field-first)
	if p != nil {
		*p = d.int64v(field, wire) != 0
	}
	return p != nil
}

// fieldIn is table[i], or nil past its ends: the tables of where fields
// go are keyed by field number, with nil for the numbers of other
// fields.
func fieldIn[T any](table []*T, i int) *T {
	if i < 0 || i >= len(table) {
		return nil
	}
	return table[i]
}

func decodeOutputRaw(d *decoder, o *OutputRawRecord) {
	d.fields(func(field, wire int) bool {
		switch field {
		case outputRawType:
			o.OutputType = int32(d.int64v(field, wire))
		case outputRawTimestamp:
			o.Timestamp = d.str(field, wire)
		case outputRawLine:
			o.Line = d.str(field, wire)
		default:
			return false
		}
		return true
	})
}

func decodeRun(d *decoder, r *RunRecord) {
	strs := [...]*string{runRunID: &r.RunID, runEntity: &r.Entity, runProject: &r.Project,
		runRunGroup: &r.RunGroup, runJobType: &r.JobType, runDisplayName: &r.DisplayName, runNotes: &r.Notes,
		runSweepID: &r.SweepID, runHost: &r.Host, runStorageID: &r.StorageID}
	d.fields(func(field, wire int) bool {
		if d.strIn(field, wire, strs[:]) {
			return true
		}
		switch field {
		case runConfig:
			r.Config = subRecord(d, field, wire, func(s *decoder, c *ConfigRecord) { c.Update, c.Remove = decodeItems(s) })
		case runSummary:
			r.Summary = subRecord(d, field, wire, func(s *decoder, sr *SummaryRecord) { sr.Update, sr.Remove = decodeItems(s) })
		case runTags:
			r.Tags = append(r.Tags, d.str(field, wire))
		case runStartingStep:
			r.StartingStep = d.int64v(field, wire)
		case runStartTime:
			d.sub(field, wire, func(s *decoder) { r.StartTime = decodeTimestamp(s) })
		case runResumed:
			r.Resumed = d.int64v(field, wire) != 0
		case runRuntime:
			r.Runtime = int32(d.int64v(field, wire))
		default:
			return false
		}
		return true
	})
}

// strIn decodes a string field into its entry in strs, a table from
// field number to where it goes; false when it has none.
func (d *decoder) strIn(field, wire int, strs []*string) bool {
	p := fieldIn(strs, field)
	if p != nil {
		*p = d.str(field, wire)
	}
	return p != nil
}

func decodeExit(d *decoder, e *RunExitRecord) {
	d.fields(func(field, wire int) bool {
		switch field {
		case exitExitCode:
			e.ExitCode = int32(d.int64v(field, wire))
		case exitRuntime:
			e.Runtime = int32(d.int64v(field, wire))
		case exitNotComplete:
			e.NotComplete = d.int64v(field, wire) != 0
		default:
			return false
		}
		return true
	})
}

func decodeHeader(d *decoder, h *HeaderRecord) {
	strs := [...]*string{versionInfoProducer: &h.Producer, versionInfoMinConsumer: &h.MinConsumer}
	d.fields(func(field, wire int) bool {
		if field != headerVersionInfo {
			return false
		}
		d.subFields(field, wire, func(s *decoder, f, w int) bool { return s.strIn(f, w, strs[:]) })
		return true
	})
}

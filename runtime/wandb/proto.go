package wandb

// The protobuf wire encoding of the few wandb_internal messages the runtime
// writes, and their decoder. Hand-written because the runtime may depend on
// the standard library only; field numbers follow W&B's wandb_internal.proto
// (see the shared format facts). Encoding appends to a caller's slice so the
// writer can reuse one buffer for every record.

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
	b = appendString(b, 1, it.Key)
	for _, k := range it.NestedKey {
		b = appendVarint(appendTag(b, 2, wireBytes), uint64(len(k)))
		b = append(b, k...)
	}
	b = appendBytes(b, 16, it.ValueJSON)
	return endMessage(b, start)
}

func appendItems(b []byte, update, remove []Item) []byte {
	for i := range update {
		b = appendItem(b, 1, &update[i])
	}
	for i := range remove {
		b = appendItem(b, 2, &remove[i])
	}
	return b
}

func appendTimestamp(b []byte, field int, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b, start := beginMessage(b, field)
	b = appendInt64(b, 1, t.Unix())
	b = appendInt32(b, 2, int32(t.Nanosecond()))
	return endMessage(b, start)
}

// appendRecord appends the encoding of rec to b. The record type field is
// always written, even for an empty message, because a Record without a
// record type makes W&B's sync crash.
func appendRecord(b []byte, rec *Record) ([]byte, error) {
	b = appendInt64(b, 1, rec.Num)
	var start int
	switch {
	case rec.History != nil:
		b, start = beginMessage(b, TypeHistory)
		h := rec.History
		for i := range h.Items {
			b = appendItem(b, 1, &h.Items[i])
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
			b, fs = beginMessage(b, 1)
			b = appendString(b, 1, f.Path)
			b = appendInt32(b, 2, int32(f.Policy))
			b = appendInt32(b, 3, int32(f.Type))
			b = endMessage(b, fs)
		}
	case rec.Stats != nil:
		b, start = beginMessage(b, TypeStats)
		b = appendInt32(b, 1, rec.Stats.StatsType)
		b = appendTimestamp(b, 2, rec.Stats.Timestamp)
		for i := range rec.Stats.Items {
			b = appendItem(b, 3, &rec.Stats.Items[i])
		}
	case rec.Metric != nil:
		b, start = beginMessage(b, TypeMetric)
		m := rec.Metric
		b = appendString(b, 1, m.Name)
		b = appendString(b, 2, m.GlobName)
		b = appendString(b, 4, m.StepMetric)
		b = appendInt32(b, 5, m.StepMetricIndex)
		if m.Options != (MetricOptions{}) {
			var os int
			b, os = beginMessage(b, 6)
			b = appendBool(b, 1, m.Options.StepSync)
			b = appendBool(b, 2, m.Options.Hidden)
			b = appendBool(b, 3, m.Options.Defined)
			b = endMessage(b, os)
		}
		if sm := m.Summary; sm != nil {
			var ss int
			b, ss = beginMessage(b, 7)
			for i, v := range [...]bool{sm.Min, sm.Max, sm.Mean, sm.Best, sm.Last, sm.None, sm.Copy, sm.First} {
				b = appendBool(b, i+1, v)
			}
			b = endMessage(b, ss)
		}
		b = appendInt32(b, 8, m.Goal)
		if m.Overwrite {
			var cs int
			b, cs = beginMessage(b, 9)
			b = appendBool(b, 1, true)
			b = endMessage(b, cs)
		}
		b = appendBool(b, 10, m.ExpandedFromGlob)
	case rec.Environment != nil:
		b, start = beginMessage(b, TypeEnvironment)
		b = appendEnvironment(b, rec.Environment)
	case rec.OutputRaw != nil:
		b, start = beginMessage(b, TypeOutputRaw)
		b = appendInt32(b, 1, rec.OutputRaw.OutputType)
		b = appendString(b, 2, rec.OutputRaw.Timestamp)
		b = appendString(b, 3, rec.OutputRaw.Line)
	case rec.Run != nil:
		b, start = beginMessage(b, TypeRun)
		b = appendRun(b, rec.Run)
	case rec.Exit != nil:
		b, start = beginMessage(b, TypeExit)
		b = appendInt32(b, 1, rec.Exit.ExitCode)
		b = appendInt32(b, 2, rec.Exit.Runtime)
		b = appendBool(b, 3, rec.Exit.NotComplete)
	case rec.Header != nil:
		b, start = beginMessage(b, TypeHeader)
		if rec.Header.Producer != "" || rec.Header.MinConsumer != "" {
			var vs int
			b, vs = beginMessage(b, 1)
			b = appendString(b, 1, rec.Header.Producer)
			b = appendString(b, 2, rec.Header.MinConsumer)
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
	b, start := beginMessage(b, 2)
	b = appendInt64(b, 1, step)
	return endMessage(b, start)
}

func appendRun(b []byte, r *RunRecord) []byte {
	b = appendString(b, 1, r.RunID)
	b = appendString(b, 2, r.Entity)
	b = appendString(b, 3, r.Project)
	if r.Config != nil {
		var s int
		b, s = beginMessage(b, 4)
		b = appendItems(b, r.Config.Update, r.Config.Remove)
		b = endMessage(b, s)
	}
	if r.Summary != nil {
		var s int
		b, s = beginMessage(b, 5)
		b = appendItems(b, r.Summary.Update, r.Summary.Remove)
		b = endMessage(b, s)
	}
	b = appendString(b, 6, r.RunGroup)
	b = appendString(b, 7, r.JobType)
	b = appendString(b, 8, r.DisplayName)
	b = appendString(b, 9, r.Notes)
	for _, t := range r.Tags {
		b = appendVarint(appendTag(b, 10, wireBytes), uint64(len(t)))
		b = append(b, t...)
	}
	b = appendString(b, 12, r.SweepID)
	b = appendString(b, 13, r.Host)
	b = appendInt64(b, 14, r.StartingStep)
	b = appendString(b, 16, r.StorageID)
	b = appendTimestamp(b, 17, r.StartTime)
	b = appendBool(b, 18, r.Resumed)
	b = appendInt32(b, 20, r.Runtime)
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
		if field == 1 {
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
		case 1:
			it.Key = d.str(field, wire)
		case 2:
			it.NestedKey = append(it.NestedKey, d.str(field, wire))
		case 16:
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
		case 1:
			d.sub(field, wire, func(s *decoder) { update = append(update, decodeItem(s)) })
		case 2:
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
		case 1:
			d.sub(field, wire, func(s *decoder) { h.Items = append(h.Items, decodeItem(s)) })
		case 2:
			d.sub(field, wire, func(s *decoder) {
				for {
					f, w, ok := s.next()
					if !ok {
						return
					}
					if f == 1 {
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
		if field != 1 {
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
				case 1:
					f.Path = s.str(ff, w)
				case 2:
					f.Policy = FilePolicy(s.int64v(ff, w))
				case 3:
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
		case 1:
			sec = d.int64v(field, wire)
		case 2:
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
		case 1:
			sr.StatsType = int32(d.int64v(field, wire))
		case 2:
			d.sub(field, wire, func(s *decoder) { sr.Timestamp = decodeTimestamp(s) })
		case 3:
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
		case 1:
			m.Name = d.str(field, wire)
		case 2:
			m.GlobName = d.str(field, wire)
		case 4:
			m.StepMetric = d.str(field, wire)
		case 5:
			m.StepMetricIndex = int32(d.int64v(field, wire))
		case 6:
			d.sub(field, wire, func(s *decoder) {
				for {
					f, w, ok := s.next()
					if !ok {
						return
					}
					switch f {
					case 1:
						m.Options.StepSync = s.int64v(f, w) != 0
					case 2:
						m.Options.Hidden = s.int64v(f, w) != 0
					case 3:
						m.Options.Defined = s.int64v(f, w) != 0
					default:
						s.skip(w)
					}
				}
			})
		case 7:
			sm := &MetricSummary{}
			flags := [...]*bool{&sm.Min, &sm.Max, &sm.Mean, &sm.Best, &sm.Last, &sm.None, &sm.Copy, &sm.First}
			d.sub(field, wire, func(s *decoder) {
				for {
					f, w, ok := s.next()
					if !ok {
						return
					}
					if f >= 1 && f <= len(flags) {
						*flags[f-1] = s.int64v(f, w) != 0
					} else {
						s.skip(w)
					}
				}
			})
			m.Summary = sm
		case 8:
			m.Goal = int32(d.int64v(field, wire))
		case 9:
			d.sub(field, wire, func(s *decoder) {
				for {
					f, w, ok := s.next()
					if !ok {
						return
					}
					if f == 1 {
						m.Overwrite = s.int64v(f, w) != 0
					} else {
						s.skip(w)
					}
				}
			})
		case 10:
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
		case 1:
			o.OutputType = int32(d.int64v(field, wire))
		case 2:
			o.Timestamp = d.str(field, wire)
		case 3:
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
		case 1:
			r.RunID = d.str(field, wire)
		case 2:
			r.Entity = d.str(field, wire)
		case 3:
			r.Project = d.str(field, wire)
		case 4:
			c := &ConfigRecord{}
			d.sub(field, wire, func(s *decoder) { c.Update, c.Remove = decodeItems(s) })
			r.Config = c
		case 5:
			sr := &SummaryRecord{}
			d.sub(field, wire, func(s *decoder) { sr.Update, sr.Remove = decodeItems(s) })
			r.Summary = sr
		case 6:
			r.RunGroup = d.str(field, wire)
		case 7:
			r.JobType = d.str(field, wire)
		case 8:
			r.DisplayName = d.str(field, wire)
		case 9:
			r.Notes = d.str(field, wire)
		case 10:
			r.Tags = append(r.Tags, d.str(field, wire))
		case 12:
			r.SweepID = d.str(field, wire)
		case 13:
			r.Host = d.str(field, wire)
		case 14:
			r.StartingStep = d.int64v(field, wire)
		case 16:
			r.StorageID = d.str(field, wire)
		case 17:
			d.sub(field, wire, func(s *decoder) { r.StartTime = decodeTimestamp(s) })
		case 18:
			r.Resumed = d.int64v(field, wire) != 0
		case 20:
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
		case 1:
			e.ExitCode = int32(d.int64v(field, wire))
		case 2:
			e.Runtime = int32(d.int64v(field, wire))
		case 3:
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
		if field != 1 {
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
				case 1:
					h.Producer = s.str(f, w)
				case 2:
					h.MinConsumer = s.str(f, w)
				default:
					s.skip(w)
				}
			}
		})
	}
}

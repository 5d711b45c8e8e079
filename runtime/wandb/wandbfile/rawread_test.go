package wandbfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// rawRecords are records of every shape ScanHistory meets: history rows
// with plain and nested keys, an item without a value, a value larger
// than a block (so the record spans chunks), and records of other types.
func rawRecords() []*Record {
	big := json.RawMessage(`"` + strings.Repeat("x", 3*blockSize) + `"`)
	return []*Record{
		{Num: 1, Header: &HeaderRecord{Producer: "test"}},
		{Num: 2, Run: &RunRecord{RunID: "r1", Project: "p"}},
		{Num: 3, History: &HistoryRecord{Step: 0, Items: []Item{
			{Key: "_step", ValueJSON: json.RawMessage(`0`)},
			{Key: "trace", ValueJSON: json.RawMessage(`{"a":"b"}`)},
		}}},
		{Num: 4, History: &HistoryRecord{Step: 7, Items: []Item{
			{NestedKey: []string{"usage", "prompt_tokens"}, ValueJSON: json.RawMessage(`12`)},
			{Key: "empty"},
			{Key: "big", ValueJSON: big},
		}}},
		{Num: 5, Summary: &SummaryRecord{Update: []Item{{Key: "calls", ValueJSON: json.RawMessage(`2`)}}}},
		{Num: 6, History: &HistoryRecord{Step: 8}},
		{Num: 7, Exit: &RunExitRecord{ExitCode: 3}},
	}
}

func encodeAll(t *testing.T, recs []*Record) [][]byte {
	t.Helper()
	var out [][]byte
	for _, rec := range recs {
		p, err := AppendRecord(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// scanned is what ScanHistory reports, in the shape of a HistoryRecord.
func scanned(t *testing.T, payload []byte) (*HistoryRecord, error) {
	t.Helper()
	var items []Item
	isHist, step, err := ScanHistory(payload, func(key, value []byte) {
		it := Item{Key: string(key)}
		if value != nil {
			it.ValueJSON = append(json.RawMessage(nil), value...)
		}
		items = append(items, it)
	})
	if err != nil || !isHist {
		return nil, err
	}
	return &HistoryRecord{Step: step, Items: items}, nil
}

// TestScanHistoryMatchesDecode checks ScanHistory against the copying
// decoder, the reference, key for key.
func TestScanHistoryMatchesDecode(t *testing.T) {
	for i, p := range encodeAll(t, rawRecords()) {
		rec, err := DecodeRecord(p)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		got, err := scanned(t, p)
		if err != nil {
			t.Fatalf("record %d: ScanHistory: %v", i, err)
		}
		if (got != nil) != (rec.History != nil) {
			t.Fatalf("record %d: ScanHistory says history %v, DecodeRecord %v", i, got != nil, rec.History != nil)
		}
		if got == nil {
			continue
		}
		if got.Step != rec.History.Step || len(got.Items) != len(rec.History.Items) {
			t.Fatalf("record %d: step %d with %d items, want %d with %d", i, got.Step, len(got.Items), rec.History.Step, len(rec.History.Items))
		}
		for k := range got.Items {
			want := &rec.History.Items[k]
			if got.Items[k].Key != want.FullKey() || !bytes.Equal(got.Items[k].ValueJSON, want.ValueJSON) {
				t.Errorf("record %d item %d: %q=%.40s, want %q=%.40s", i, k, got.Items[k].Key, got.Items[k].ValueJSON, want.FullKey(), want.ValueJSON)
			}
		}
	}
}

// TestScanHistoryRejectsWhatDecodeRejects cuts and damages history
// payloads: wherever the copying decoder fails, ScanHistory must too.
func TestScanHistoryRejectsWhatDecodeRejects(t *testing.T) {
	p := encodeAll(t, rawRecords()[3:4])[0]
	failures := 0
	for n := 0; n < len(p) && n < 200; n++ {
		for _, bad := range [][]byte{p[:n], damage(p, n)} {
			_, derr := DecodeRecord(bad)
			_, serr := scanned(t, bad)
			if derr != nil && serr == nil {
				t.Fatalf("payload %x: DecodeRecord fails (%v), ScanHistory does not", bad, derr)
			}
			if derr != nil {
				failures++
			}
		}
	}
	if failures == 0 {
		t.Fatal("no damaged payload was rejected; the test checks nothing")
	}
}

func damage(p []byte, at int) []byte {
	q := append([]byte(nil), p...)
	q[at] ^= 0x07 // flips a wire type when it hits a tag
	return q
}

// TestNextPayloadAndReaderAt reads a log with NextPayload and then every
// record again from its offset, and compares both with Next.
func TestNextPayloadAndReaderAt(t *testing.T) {
	payloads := encodeAll(t, rawRecords())
	data, offs := frame(t, payloads...)

	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var want []*Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, rec)
	}
	if len(want) != len(payloads) {
		t.Fatalf("Next read %d records, want %d", len(want), len(payloads))
	}

	r, _ = NewReader(bytes.NewReader(data))
	for i := 0; ; i++ {
		p, off, err := r.NextPayload()
		if err == io.EOF {
			if i != len(want) {
				t.Fatalf("NextPayload read %d records, want %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if off != offs[i] || off != want[i].Offset || !bytes.Equal(p, payloads[i]) {
			t.Fatalf("record %d: offset %d (want %d), payload equal %v", i, off, offs[i], bytes.Equal(p, payloads[i]))
		}
		if r.Offset() <= off {
			t.Fatalf("record %d: Offset %d not past the record at %d", i, r.Offset(), off)
		}
		rec, err := DecodeRecord(p)
		if err != nil {
			t.Fatal(err)
		}
		rec.Offset = off
		if !reflect.DeepEqual(rec, want[i]) {
			t.Fatalf("record %d: DecodeRecord(NextPayload) = %+v, Next = %+v", i, rec, want[i])
		}
	}

	ra := bytes.NewReader(data)
	for i := len(want) - 1; i >= 0; i-- {
		rec, err := NewReaderAt(ra, want[i].Offset).Next()
		if err != nil {
			t.Fatalf("record %d at %d: %v", i, want[i].Offset, err)
		}
		if !reflect.DeepEqual(rec, want[i]) {
			t.Fatalf("record %d read at its offset differs", i)
		}
	}

	// An offset inside a record is not a record start: the framing says so.
	var ce *CorruptError
	if _, err := NewReaderAt(ra, want[3].Offset+3).Next(); !errors.As(err, &ce) {
		t.Fatalf("reading from inside a record: %v, want a *CorruptError", err)
	}
}

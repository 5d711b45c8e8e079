package wandbfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// frame writes records with a LogWriter into memory and returns the bytes
// and each record's start offset.
func frame(t *testing.T, payloads ...[]byte) ([]byte, []int64) {
	t.Helper()
	var buf bytes.Buffer
	lw := NewLogWriter(&buf)
	var offs []int64
	for _, p := range payloads {
		offs = append(offs, lw.Add(p))
	}
	if err := lw.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), offs
}

// readPayloads reads raw payloads until the end or an error.
func readPayloads(t *testing.T, data []byte) ([][]byte, []int64, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	var out [][]byte
	var offs []int64
	for {
		p, off, err := r.nextPayload()
		if err == io.EOF {
			return out, offs, nil
		}
		if err != nil {
			return out, offs, err
		}
		out = append(out, append([]byte(nil), p...))
		offs = append(offs, off)
	}
}

func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i*7)
	}
	return p
}

func TestFileHeaderBytes(t *testing.T) {
	data, _ := frame(t)
	want := []byte{':', 'W', '&', 'B', 0xE1, 0xBE, 0x00}
	if !bytes.Equal(data, want) {
		t.Fatalf("empty log = % x, want % x", data, want)
	}
	got, _, err := readPayloads(t, data)
	if err != nil || len(got) != 0 {
		t.Fatalf("reading an empty log: %d records, err %v", len(got), err)
	}
}

func TestChunkLayout(t *testing.T) {
	// One FULL chunk: CRC over type byte + payload, LE length, type.
	data, offs := frame(t, []byte("abc"))
	if offs[0] != 7 {
		t.Fatalf("first record at %d, want 7", offs[0])
	}
	h := data[7:14]
	wantCRC := crc32.ChecksumIEEE([]byte{1, 'a', 'b', 'c'})
	if got := binary.LittleEndian.Uint32(h[0:4]); got != wantCRC {
		t.Errorf("crc %08x, want %08x", got, wantCRC)
	}
	if got := binary.LittleEndian.Uint16(h[4:6]); got != 3 {
		t.Errorf("length %d, want 3", got)
	}
	if h[6] != chunkFull {
		t.Errorf("type %d, want FULL", h[6])
	}
	if string(data[14:]) != "abc" || len(data) != 17 {
		t.Errorf("payload bytes % x", data[14:])
	}
}

func TestBlockBoundaries(t *testing.T) {
	firstBlockRoom := blockSize - HeaderSize - chunkHeaderSize
	cases := []struct {
		name  string
		sizes []int
	}{
		{"empty", []int{0}},
		{"one byte", []int{1}},
		{"fills first block", []int{firstBlockRoom, 1}},
		{"one short of filling", []int{firstBlockRoom - 1, 5}},
		{"leaves 7 bytes", []int{firstBlockRoom - 7, 0, 3}},
		{"leaves 6 bytes (padding)", []int{firstBlockRoom - 6, 2}},
		{"leaves 1 byte (padding)", []int{firstBlockRoom - 1, 0}},
		{"exactly a block", []int{blockSize, 10}},
		{"three blocks", []int{3 * blockSize, 1}},
		{"many small", []int{100, 200, 300, 0, 1, 40000, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var payloads [][]byte
			for i, n := range tc.sizes {
				payloads = append(payloads, pattern(n, byte(i+1)))
			}
			data, offs := frame(t, payloads...)
			checkChunks(t, data)
			got, gotOffs, err := readPayloads(t, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(payloads) {
				t.Fatalf("read %d records, want %d", len(got), len(payloads))
			}
			for i := range got {
				if !bytes.Equal(got[i], payloads[i]) {
					t.Errorf("record %d: %d bytes differ from the %d written", i, len(got[i]), len(payloads[i]))
				}
				if gotOffs[i] != offs[i] {
					t.Errorf("record %d: reader offset %d, writer offset %d", i, gotOffs[i], offs[i])
				}
			}
		})
	}
}

// checkChunks walks the framing independently of the reader: no chunk
// crosses a block, block tails under 7 bytes are zero.
func checkChunks(t *testing.T, data []byte) {
	t.Helper()
	off := HeaderSize
	for off < len(data) {
		left := blockSize - off%blockSize
		if left < chunkHeaderSize {
			for _, c := range data[off : off+left] {
				if c != 0 {
					t.Fatalf("non-zero padding at %d", off)
				}
			}
			off += left
			continue
		}
		n := int(binary.LittleEndian.Uint16(data[off+4 : off+6]))
		if chunkHeaderSize+n > left {
			t.Fatalf("chunk at %d (%d bytes) crosses a block boundary", off, n)
		}
		off += chunkHeaderSize + n
	}
	if off != len(data) {
		t.Fatalf("chunks end at %d, file at %d", off, len(data))
	}
}

func TestLargeRecordChunkTypes(t *testing.T) {
	data, _ := frame(t, pattern(3*blockSize, 9))
	var types []byte
	off := HeaderSize
	for off < len(data) {
		n := int(binary.LittleEndian.Uint16(data[off+4 : off+6]))
		types = append(types, data[off+6])
		off += chunkHeaderSize + n
	}
	want := []byte{chunkFirst, chunkMiddle, chunkMiddle, chunkLast}
	if !bytes.Equal(types, want) {
		t.Fatalf("chunk types %v, want %v", types, want)
	}
}

func TestCRCMismatch(t *testing.T) {
	data, offs := frame(t, []byte("first"), []byte("second"), []byte("third"))
	bad := append([]byte(nil), data...)
	bad[offs[1]+chunkHeaderSize+2] ^= 0x40 // flip a payload bit of "second"
	got, _, err := readPayloads(t, bad)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *CorruptError", err)
	}
	if ce.Offset != offs[1] || ce.Torn {
		t.Errorf("CorruptError at %d torn=%v, want at %d not torn", ce.Offset, ce.Torn, offs[1])
	}
	if len(got) != 1 || string(got[0]) != "first" {
		t.Errorf("records before the damage: %q", got)
	}
	// A damaged CRC field is detected the same way.
	bad = append([]byte(nil), data...)
	bad[offs[2]] ^= 1
	got, _, err = readPayloads(t, bad)
	if !errors.As(err, &ce) || ce.Offset != offs[2] || len(got) != 2 {
		t.Errorf("damaged CRC: %d records, err %v", len(got), err)
	}
}

func TestBadHeader(t *testing.T) {
	for _, data := range [][]byte{
		{},
		[]byte(":W&"),
		[]byte("LevelDB"),
		{':', 'W', '&', 'B', 0xE1, 0xBE, 0x01},
	} {
		if _, err := NewReader(bytes.NewReader(data)); err == nil {
			t.Errorf("NewReader(% x) accepted a bad header", data)
		}
	}
}

// TestTornAtEveryOffset truncates a log at every offset across several
// records, including one that spans blocks, and checks the reader returns
// exactly the complete records before the cut.
func TestTornAtEveryOffset(t *testing.T) {
	payloads := [][]byte{pattern(10, 1), pattern(0, 2), pattern(blockSize-40, 3), pattern(50, 4), pattern(blockSize+100, 5), pattern(3, 6)}
	data, offs := frame(t, payloads...)
	// Every offset near the start, each block boundary and the end: the
	// places where chunk splitting and padding differ.
	var cuts []int
	for cut := HeaderSize; cut <= len(data); cut++ {
		near := cut < 600 || len(data)-cut < 600
		for b := blockSize; b < len(data); b += blockSize {
			if cut > b-600 && cut < b+600 {
				near = true
			}
		}
		if near {
			cuts = append(cuts, cut)
		}
	}
	for _, cut := range cuts {
		got, _, err := readPayloads(t, data[:cut])
		complete := 0
		for i := range payloads {
			// A record is complete once its last chunk is in the file;
			// padding before the next record is not part of it.
			if recordEnd(data, offs[i], len(payloads[i])) <= int64(cut) {
				complete = i + 1
			}
		}
		if len(got) != complete {
			t.Fatalf("cut at %d: read %d records, want %d (err %v)", cut, len(got), complete, err)
		}
		for i := range got {
			if !bytes.Equal(got[i], payloads[i]) {
				t.Fatalf("cut at %d: record %d differs", cut, i)
			}
		}
		atBoundary := complete == len(payloads) || int64(cut) <= offs[complete]
		if atBoundary {
			if err != nil {
				t.Fatalf("cut at %d (record boundary): err %v", cut, err)
			}
			continue
		}
		var ce *CorruptError
		if !errors.As(err, &ce) || !ce.Torn {
			t.Fatalf("cut at %d: err %v, want torn *CorruptError", cut, err)
		}
		if ce.Offset != offs[complete] {
			t.Fatalf("cut at %d: torn offset %d, want %d", cut, ce.Offset, offs[complete])
		}
	}
}

// recordEnd computes where the chunks of a record starting at off end.
func recordEnd(data []byte, off int64, size int) int64 {
	for {
		n := int64(binary.LittleEndian.Uint16(data[off+4 : off+6]))
		typ := data[off+6]
		off += chunkHeaderSize + n
		if typ == chunkFull || typ == chunkLast {
			return off
		}
		if left := blockSize - off%blockSize; left < chunkHeaderSize {
			off += left
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	start := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	recs := []*Record{
		{Num: 1, Header: &HeaderRecord{Producer: "wbinstrument test", MinConsumer: "0.40.0"}},
		{Num: 2, Run: &RunRecord{RunID: "abc12345", Entity: "ent", Project: "proj", DisplayName: "name",
			Notes: "notes", Tags: []string{"a", "b"}, RunGroup: "g", JobType: "j", Host: "h", StartTime: start,
			Config: &ConfigRecord{Update: []Item{{Key: "k", ValueJSON: []byte(`1`)}}}, StartingStep: 3, Runtime: 4}},
		{Num: 3, Config: &ConfigRecord{Update: []Item{{Key: "lr", ValueJSON: []byte(`0.1`)}}, Remove: []Item{{NestedKey: []string{"a", "b"}}}}},
		{Num: 4, Metric: &MetricRecord{GlobName: "usage/*", StepMetric: "_timestamp", Options: MetricOptions{StepSync: true, Defined: true}, Goal: 2}},
		{Num: 5, History: &HistoryRecord{Step: 0, Items: []Item{{NestedKey: []string{"usage/total_tokens"}, ValueJSON: []byte(`12`)}}}},
		{Num: 6, History: &HistoryRecord{Step: 300, Items: []Item{{Key: "x", ValueJSON: bytes.Repeat([]byte("9"), 200)}}}},
		{Num: 7, Files: &FilesRecord{Files: []FilesItem{{Path: "media/table/t.table.json", Policy: PolicyNow, Type: FileMedia}, {Path: "wandb-summary.json", Policy: PolicyEnd, Type: FileWandb}}}},
		{Num: 8, Summary: &SummaryRecord{Update: []Item{{Key: "s", ValueJSON: []byte(`"v"`)}}}},
		{Num: 9, OutputRaw: &OutputRawRecord{OutputType: 1, Timestamp: "2024-05-06T07:08:09", Line: "hello\n"}},
		{Num: 10, Stats: &StatsRecord{Timestamp: start, Items: []Item{{Key: "cpu", ValueJSON: []byte(`3.5`)}}}},
		{Num: 11, Exit: &RunExitRecord{}},
		{Num: 12, Exit: &RunExitRecord{ExitCode: -1, Runtime: 61, NotComplete: true}},
	}
	types := []int{TypeHeader, TypeRun, TypeConfig, TypeMetric, TypeHistory, TypeHistory, TypeFiles, TypeSummary, TypeOutputRaw, TypeStats, TypeExit, TypeExit}
	for i, rec := range recs {
		p, err := AppendRecord(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeRecord(p)
		if err != nil {
			t.Fatalf("record %d: %v", rec.Num, err)
		}
		if got.Type != types[i] {
			t.Errorf("record %d: type %d, want %d", rec.Num, got.Type, types[i])
		}
		got.Type = 0
		if !reflect.DeepEqual(got, rec) {
			t.Errorf("record %d round trip:\n got %+v\nwant %+v", rec.Num, got, rec)
		}
	}
	if _, err := AppendRecord(nil, &Record{Num: 1}); err == nil {
		t.Error("a record without a type was encoded")
	}
}

// TestPinnedEncoding pins a few encodings computed by hand from the
// protobuf rules, independent of the decoder.
func TestPinnedEncoding(t *testing.T) {
	cases := []struct {
		rec  *Record
		want []byte
	}{
		// num=1 (08 01); exit (field 18 = 0x92 0x01), empty message.
		{&Record{Num: 1, Exit: &RunExitRecord{}}, []byte{0x08, 0x01, 0x92, 0x01, 0x00}},
		// exit_code 0 omitted, runtime 2.
		{&Record{Num: 2, Exit: &RunExitRecord{Runtime: 2}}, []byte{0x08, 0x02, 0x92, 0x01, 0x02, 0x10, 0x02}},
		// history: item{nested_key "a", value_json "1"}, step{} for step 0.
		{&Record{Num: 3, History: &HistoryRecord{Items: []Item{{NestedKey: []string{"a"}, ValueJSON: []byte("1")}}}},
			[]byte{0x08, 0x03, 0x12, 0x0b, 0x0a, 0x07, 0x12, 0x01, 'a', 0x82, 0x01, 0x01, '1', 0x12, 0x00}},
		// header: version_info{producer "p"}; field 21 = 0xaa 0x01.
		{&Record{Num: 4, Header: &HeaderRecord{Producer: "p"}}, []byte{0x08, 0x04, 0xaa, 0x01, 0x05, 0x0a, 0x03, 0x0a, 0x01, 'p'}},
	}
	for _, tc := range cases {
		got, err := AppendRecord(nil, tc.rec)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("record %d: % x, want % x", tc.rec.Num, got, tc.want)
		}
	}
}

// TestLongNestedMessage covers a message body over 127 bytes, whose length
// varint needs two bytes, and over 16383 bytes (three).
func TestLongNestedMessage(t *testing.T) {
	for _, n := range []int{126, 127, 128, 200, 16383, 16384, 70000} {
		rec := &Record{Num: 1, Summary: &SummaryRecord{Update: []Item{{Key: "k", ValueJSON: bytes.Repeat([]byte("7"), n)}}}}
		p, err := AppendRecord(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeRecord(p)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if len(got.Summary.Update) != 1 || len(got.Summary.Update[0].ValueJSON) != n {
			t.Fatalf("n=%d: decoded %+v", n, got.Summary)
		}
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	for _, p := range [][]byte{
		{0x08},                         // truncated varint
		{0x12, 0x05, 0x0a},             // length beyond the end
		{0x00, 0x01},                   // field 0
		{0x92, 0x01, 0x02, 0x08, 0x80}, // truncated inside exit
		{0x08, 0x01, 0x90, 0x01, 0x01}, // exit with wire type varint
	} {
		if rec, err := decodeRecord(p); err == nil {
			t.Errorf("decodeRecord(% x) = %+v, want an error", p, rec)
		}
	}
}

func ExampleReader() {
	var buf bytes.Buffer
	lw := NewLogWriter(&buf)
	p, _ := AppendRecord(nil, &Record{Num: 1, Exit: &RunExitRecord{ExitCode: 0, Runtime: 3}})
	lw.Add(p)
	lw.Flush()

	r, _ := NewReader(&buf)
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		fmt.Println(rec.Num, rec.Type == TypeExit, rec.Exit.Runtime)
	}
	// Output: 1 true 3
}

// pinnedLogs holds the logs the writer's golden tests pin byte for byte
// (runtime/wandb/run_test.go writes them with -update).
const pinnedLogs = "../testdata"

// TestBitFlipsDetected damages every byte of a pinned log in turn: the
// reader never panics, never returns a record past the damage unless the
// damage is in a spot the format ignores, and reports *CorruptError.
func TestBitFlipsDetected(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(pinnedLogs, "basic.wandb"))
	if err != nil {
		t.Fatal(err)
	}
	clean, cleanOffs, err := readPayloads(t, data)
	if err != nil {
		t.Fatal(err)
	}
	for i := HeaderSize; i < len(data); i++ {
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x10
		got, _, err := readPayloads(t, bad)
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Fatalf("flip at %d: err %v, want *CorruptError", i, err)
		}
		// Records wholly before the damaged byte are returned intact.
		before := 0
		for k := range cleanOffs {
			if k+1 < len(cleanOffs) && cleanOffs[k+1] <= int64(i) {
				before = k + 1
			}
		}
		if len(got) != before {
			t.Fatalf("flip at %d: %d records, want %d", i, len(got), before)
		}
		for k := range got {
			if !bytes.Equal(got[k], clean[k]) {
				t.Fatalf("flip at %d: record %d changed", i, k)
			}
		}
	}
}

// FuzzReader checks the reader and decoder never panic or loop on any
// input; `go test` runs the seeds, `go test -fuzz FuzzReader` explores.
func FuzzReader(f *testing.F) {
	for _, name := range []string{"basic.wandb", "table.wandb"} {
		data, err := os.ReadFile(filepath.Join(pinnedLogs, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(fileHeader[:])
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for i := 0; ; i++ {
			rec, err := r.Next()
			if err != nil {
				var ce *CorruptError
				if err != io.EOF && !errors.As(err, &ce) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				return
			}
			if rec.Offset < HeaderSize || rec.Offset >= int64(len(data)) {
				t.Fatalf("record offset %d outside the data", rec.Offset)
			}
			if i > len(data) {
				t.Fatal("more records than bytes")
			}
		}
	})
}

// FuzzDecodeRecord feeds the protobuf decoder directly (chunks carry CRCs,
// so FuzzReader rarely reaches it with damaged payloads). Whatever decodes
// must encode again without error when it has a record type.
func FuzzDecodeRecord(f *testing.F) {
	for _, rec := range []*Record{
		{Num: 1, Header: &HeaderRecord{Producer: "p", MinConsumer: "0.40.0"}},
		{Num: 2, Run: &RunRecord{RunID: "r", Tags: []string{"a"}, StartTime: time.Unix(5, 6)}},
		{Num: 3, History: &HistoryRecord{Step: 4, Items: []Item{{NestedKey: []string{"a"}, ValueJSON: []byte("1")}}}},
		{Num: 4, Metric: &MetricRecord{GlobName: "u/*", Options: MetricOptions{Defined: true}}},
	} {
		p, err := AppendRecord(nil, rec)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		rec, err := decodeRecord(p)
		if err != nil || rec.Type == 0 {
			return
		}
		// Types this package decodes re-encode; skipped ones (telemetry...)
		// carry no typed field and cannot.
		switch rec.Type {
		case TypeHistory, TypeSummary, TypeConfig, TypeFiles, TypeStats, TypeMetric, TypeOutputRaw, TypeRun, TypeExit, TypeHeader:
			if _, err := AppendRecord(nil, rec); err != nil {
				t.Fatalf("decoded %+v does not encode: %v", rec, err)
			}
		}
	})
}

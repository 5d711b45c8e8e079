package wandb

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Table stores a W&B Table for the row being built, as
// files/media/table/<key>_<step>_<sha256[:20]>.table.json, and returns the
// history value that references it:
//
//	{"_type":"table-file","sha256":...,"size":...,"path":"media/table/...",
//	 "ncols":...,"nrows":...,"log_mode":"IMMUTABLE"}
//
// The file is written later, off the caller's burst (see media.go): it
// appears within about 2 s, sooner when the program pauses its logging, and
// always by Finish; a FilesRecord (policy NOW, type MEDIA) announces it in
// the log once it exists. A program killed before then loses the file.
//
// It may only be called from a LogFunc callback. A key may contain "/",
// which makes subdirectories as in W&B. The table is encoded as
// json.Marshal would encode struct{Columns, Data}, except for RawJSON
// cells, which are copied verbatim: the caller guarantees they are valid
// JSON (compact, and HTML-escaped if the bytes should equal those of the
// same value as a string cell). A table with an invalid RawJSON cell is a
// file W&B cannot read.
func (s *Step) Table(key string, columns []string, data [][]interface{}) (map[string]interface{}, error) {
	if s == nil || s.w == nil {
		return nil, errNoWriter
	}
	if err := checkTableKey(key); err != nil {
		return nil, err
	}
	w := s.w
	body, err := appendTableJSON(w.tables.buffer(), columns, data)
	if err != nil {
		w.tables.recycle(body)
		return nil, fmt.Errorf("wandb: table %q: %w", key, err)
	}
	return s.queueTable(key, body, len(columns), len(data))
}

// queueTable names the encoded table body after its key, step and hash,
// queues its file and returns the history value that references it.
func (s *Step) queueTable(key string, body []byte, ncols, nrows int) (map[string]interface{}, error) {
	w := s.w
	sum := sha256.Sum256(body)
	var digest [64]byte
	hex.Encode(digest[:], sum[:])
	rel := path.Join("media", "table", key+"_"+strconv.FormatInt(s.Num, 10)+"_"+string(digest[:20])+".table.json")

	if w.failed() {
		w.tables.recycle(body)
		return nil, fmt.Errorf("wandb: table %q: the run log is not writable", key)
	}
	full := filepath.Join(w.run.dir, "files", filepath.FromSlash(rel))
	// The directory is made now, once per directory (remembering it saves
	// MkdirAll's stat per table), so a run whose files/ cannot be written
	// learns it here and logs its rows without tables.
	if dir := filepath.Dir(full); !w.tableDirs[dir] {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			w.tables.recycle(body)
			w.run.con.warnOnce("disk", "writing tables: %v; logging to this run may be incomplete, the program continues", err)
			return nil, fmt.Errorf("wandb: table %q: %w", key, err)
		}
		if w.tableDirs == nil {
			w.tableDirs = map[string]bool{}
		}
		w.tableDirs[dir] = true
	}
	w.tables.push(queuedTable{rel: rel, full: full, body: body, queued: time.Now()})
	if w.tables.overBound() {
		w.writeDueTables(time.Now()) // their FilesRecord follows this row
	}
	return map[string]interface{}{
		"_type":    "table-file",
		"sha256":   string(digest[:]),
		"size":     len(body),
		"path":     rel,
		"ncols":    ncols,
		"nrows":    nrows,
		"log_mode": "IMMUTABLE",
	}, nil
}

// checkTableKey keeps a table's file inside files/media/table.
func checkTableKey(key string) error {
	if key == "" {
		return fmt.Errorf("wandb: empty table key")
	}
	if strings.HasPrefix(key, "/") || strings.ContainsAny(key, "\\\x00") {
		return fmt.Errorf("wandb: table key %q: not a relative slash-separated name", key)
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("wandb: table key %q: empty, . or .. path element", key)
		}
	}
	return nil
}

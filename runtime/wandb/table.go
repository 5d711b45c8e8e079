package wandb

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Table writes a W&B Table for the row being built, as
// files/media/table/<key>_<step>_<sha256[:20]>.table.json, announces it
// with a FilesRecord (policy NOW, type MEDIA) after the row, and returns
// the history value that references it:
//
//	{"_type":"table-file","sha256":...,"size":...,"path":"media/table/...",
//	 "ncols":...,"nrows":...,"log_mode":"IMMUTABLE"}
//
// It may only be called from a LogFunc callback. A key may contain "/",
// which makes subdirectories as in W&B.
func (s *Step) Table(key string, columns []string, data [][]interface{}) (map[string]interface{}, error) {
	if s == nil || s.w == nil {
		return nil, errNoWriter
	}
	if err := checkTableKey(key); err != nil {
		return nil, err
	}
	if columns == nil {
		columns = []string{}
	}
	if data == nil {
		data = [][]interface{}{}
	}
	body, err := json.Marshal(struct {
		Columns []string        `json:"columns"`
		Data    [][]interface{} `json:"data"`
	}{columns, data})
	if err != nil {
		return nil, fmt.Errorf("wandb: table %q: %w", key, err)
	}
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	rel := path.Join("media", "table", key+"_"+strconv.FormatInt(s.Num, 10)+"_"+digest[:20]+".table.json")

	w := s.w
	if w.failed() {
		return nil, fmt.Errorf("wandb: table %q: the run log is not writable", key)
	}
	full := filepath.Join(w.run.dir, "files", filepath.FromSlash(rel))
	// Instrumented programs write a table per call: remembering the
	// directories made saves MkdirAll's stat on every one.
	if dir := filepath.Dir(full); !w.tableDirs[dir] {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			w.run.con.warnOnce("disk", "writing tables: %v; logging to this run may be incomplete, the program continues", err)
			return nil, fmt.Errorf("wandb: table %q: %w", key, err)
		}
		if w.tableDirs == nil {
			w.tableDirs = map[string]bool{}
		}
		w.tableDirs[dir] = true
	}
	if err := os.WriteFile(full, body, 0o644); err != nil {
		w.run.con.warnOnce("disk", "writing tables: %v; logging to this run may be incomplete, the program continues", err)
		return nil, fmt.Errorf("wandb: table %q: %w", key, err)
	}
	w.pendingFiles = append(w.pendingFiles, FilesItem{Path: rel, Policy: PolicyNow, Type: FileMedia})
	return map[string]interface{}{
		"_type":    "table-file",
		"sha256":   digest,
		"size":     len(body),
		"path":     rel,
		"ncols":    len(columns),
		"nrows":    len(data),
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

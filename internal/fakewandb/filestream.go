package fakewandb

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
)

type fileStreamRequest struct {
	Files map[string]struct {
		Offset  *int     `json:"offset"`
		Content []string `json:"content"`
	} `json:"files"`
	Uploaded []string `json:"uploaded"`
	Complete *bool    `json:"complete"`
	ExitCode *int     `json:"exitcode"`
}

// fileStream stores the lines of each file at their offsets, W&B's way:
// a batch sent again after a lost answer lands on the same lines. A gap
// (an offset past the lines stored) is a sender bug and is refused.
func (s *Server) fileStream(w http.ResponseWriter, entity, project, run string, body []byte) {
	var req fileStreamRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]interface{}{"error": "fakewandb: bad file_stream body: " + err.Error()})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := runKey(entity, project, run)
	r, ok := s.runs[key]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]interface{}{"error": "run " + key + " not found"})
		return
	}
	names := slices.Sorted(maps.Keys(req.Files))
	// Check every file before changing any, so a refused request leaves
	// the run as it was.
	for _, name := range names {
		f := req.Files[name]
		if f.Offset == nil {
			s.violate(fmt.Sprintf("%s: file_stream %s without offset", key, name))
			writeJSON(w, http.StatusBadRequest, map[string]interface{}{"error": "offset missing for " + name})
			return
		}
		if have := len(r.Files[name]); *f.Offset > have || *f.Offset < 0 {
			s.violate(fmt.Sprintf("%s: file_stream %s offset %d but %d lines stored", key, name, *f.Offset, have))
			writeJSON(w, http.StatusBadRequest, map[string]interface{}{"error": "offset gap for " + name})
			return
		}
		if name == "wandb-history.jsonl" || name == "wandb-summary.json" {
			for i, l := range f.Content {
				if !json.Valid([]byte(l)) {
					s.violate(fmt.Sprintf("%s: %s line %d is not JSON: %.80q", key, name, *f.Offset+i, l))
				}
			}
		}
		if name == "wandb-summary.json" && (*f.Offset != 0 || len(f.Content) > 1) {
			s.violate(fmt.Sprintf("%s: wandb-summary.json sent at offset %d with %d lines, want offset 0 and one line", key, *f.Offset, len(f.Content)))
		}
	}
	for _, name := range names {
		f := req.Files[name]
		if name == "wandb-summary.json" {
			// The summary is replaced whole; the same summary again is a
			// harmless resend, a new one after completion is not.
			if old := r.Files[name]; len(old) == 1 && len(f.Content) == 1 && old[0] == f.Content[0] {
				r.Resent++
				continue
			}
			if r.Complete {
				s.violate(fmt.Sprintf("%s: summary changed after the run completed", key))
			}
			r.Files[name] = append([]string(nil), f.Content...)
			continue
		}
		lines := r.Files[name]
		for i, l := range f.Content {
			pos := *f.Offset + i
			switch {
			case pos < len(lines) && lines[pos] == l:
				r.Resent++
			case pos < len(lines):
				s.violate(fmt.Sprintf("%s: %s line %d overwritten with different content", key, name, pos))
				lines[pos] = l
			default:
				if r.Complete {
					s.violate(fmt.Sprintf("%s: %s line %d sent after the run completed", key, name, pos))
				}
				lines = append(lines, l)
			}
		}
		r.Files[name] = lines
	}
	for _, name := range req.Uploaded {
		if !contains(r.Created, name) {
			s.violate(fmt.Sprintf("%s: file_stream lists %s as uploaded, but it was never announced with CreateRunFiles", key, name))
		}
		if _, ok := r.Uploads[name]; !ok {
			s.violate(fmt.Sprintf("%s: file_stream lists %s as uploaded before any upload of it", key, name))
		}
		if !contains(r.Uploaded, name) {
			r.Uploaded = append(r.Uploaded, name)
		}
	}
	if req.Complete != nil && *req.Complete {
		r.FinalUploaded = append([]string(nil), req.Uploaded...)
		r.Complete = true
		code := 0
		if req.ExitCode != nil {
			code = *req.ExitCode
		} else {
			s.violate(fmt.Sprintf("%s: complete without exitcode", key))
		}
		r.ExitCode = &code
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{"exitcode": nil, "limits": map[string]interface{}{}})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

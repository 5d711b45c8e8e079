package fakewandb

import (
	"fmt"
	"net/http"
)

// upload stores the bytes PUT to an upload URL. Real upload URLs point at
// cloud storage, a third party: a sender that sends its W&B key there
// leaks it, so the fake refuses and records a violation.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, parts []string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	entity, project, run, name := parts[0], parts[1], parts[2], parts[3]
	key := runKey(entity, project, run)
	if r.Header.Get("Authorization") != "" {
		s.violate(fmt.Sprintf("%s: upload of %s carried an Authorization header", key, name))
		http.Error(w, "fakewandb: unexpected Authorization header on a signed upload URL", http.StatusBadRequest)
		return
	}
	if r.URL.Query().Get("sig") != "fake" {
		http.Error(w, "fakewandb: upload URL signature missing", http.StatusForbidden)
		return
	}
	run2, ok := s.runs[key]
	if !ok {
		http.Error(w, "fakewandb: no run "+key, http.StatusNotFound)
		return
	}
	created := false
	for _, c := range run2.Created {
		if c == name {
			created = true
			break
		}
	}
	if !created {
		http.Error(w, "fakewandb: "+name+" was not announced with CreateRunFiles", http.StatusForbidden)
		return
	}
	run2.Uploads[name] = append([]byte(nil), body...)
	if run2.UploadCount == nil {
		run2.UploadCount = map[string]int{}
	}
	run2.UploadCount[name]++
	w.WriteHeader(http.StatusOK)
}

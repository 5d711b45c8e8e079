package fakewandb

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

type gqlRequest struct {
	Query         string                     `json:"query"`
	OperationName string                     `json:"operationName"`
	Variables     map[string]json.RawMessage `json:"variables"`
}

// graphql answers the two mutations the sender uses. Like W&B, it answers
// errors in the body with status 200.
func (s *Server) graphql(w http.ResponseWriter, body []byte) {
	var req gqlRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, gqlErrors("fakewandb: bad GraphQL request: "+err.Error()))
		return
	}
	op := req.OperationName
	if op == "" {
		switch {
		case strings.Contains(req.Query, "upsertBucket("):
			op = "UpsertBucket"
		case strings.Contains(req.Query, "createRunFiles("):
			op = "CreateRunFiles"
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var data interface{}
	var err error
	switch op {
	case "UpsertBucket":
		if !strings.Contains(req.Query, "upsertBucket(") {
			err = fmt.Errorf("operation UpsertBucket without an upsertBucket mutation")
			break
		}
		data, err = s.upsertBucket(req.Variables)
	case "CreateRunFiles":
		if !strings.Contains(req.Query, "createRunFiles(") {
			err = fmt.Errorf("operation CreateRunFiles without a createRunFiles mutation")
			break
		}
		data, err = s.createRunFiles(req.Variables)
	default:
		err = fmt.Errorf("fakewandb does not know operation %q", op)
	}
	if err != nil {
		writeJSON(w, http.StatusOK, gqlErrors(err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{"data": data})
}

func gqlErrors(msg string) map[string]interface{} {
	return map[string]interface{}{
		"errors": []map[string]interface{}{{"message": msg}},
		"data":   nil,
	}
}

// str decodes an optional string variable; null and absent give "", false.
func str(vars map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := vars[name]
	if !ok || string(raw) == "null" {
		return "", false
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	return v, true
}

// upsertBucket creates or updates a run; only the variables sent change
// it. The caller holds s.mu.
func (s *Server) upsertBucket(vars map[string]json.RawMessage) (interface{}, error) {
	name, _ := str(vars, "name")
	if name == "" {
		return nil, fmt.Errorf("upsertBucket: name (the run id) is required")
	}
	entity, _ := str(vars, "entity")
	if entity == "" {
		entity = DefaultEntity
	}
	if !s.entities[entity] {
		return nil, fmt.Errorf("entity %s not found during upsertBucket", entity)
	}
	project, _ := str(vars, "project")
	if project == "" {
		project = DefaultProject
	}
	key := runKey(entity, project, name)
	r, exists := s.runs[key]
	if !exists {
		r = &Run{Entity: entity, Project: project, Name: name, Files: map[string][]string{}, Uploads: map[string][]byte{}}
		s.runs[key] = r
		s.order = append(s.order, key)
	}
	r.Upserts++
	set := func(field *string, name string) {
		if v, ok := str(vars, name); ok {
			*field = v
		}
	}
	set(&r.DisplayName, "displayName")
	set(&r.Group, "groupName")
	set(&r.JobType, "jobType")
	set(&r.Notes, "notes")
	set(&r.Host, "host")
	if raw, ok := vars["tags"]; ok && string(raw) != "null" {
		var tags []string
		if err := json.Unmarshal(raw, &tags); err != nil {
			return nil, fmt.Errorf("upsertBucket: tags: %v", err)
		}
		r.Tags = tags
	}
	if cfg, ok := str(vars, "config"); ok {
		var wrapped map[string]map[string]json.RawMessage
		if err := json.Unmarshal([]byte(cfg), &wrapped); err != nil {
			return nil, fmt.Errorf("upsertBucket: config is not a JSON object of objects: %v", err)
		}
		for k, v := range wrapped {
			if _, ok := v["value"]; !ok {
				s.violate(fmt.Sprintf("%s: config key %q lacks {\"value\": ...}", key, k))
			}
		}
		r.Config = cfg
	}
	id := base64.StdEncoding.EncodeToString([]byte("Run:v1:" + name + ":" + project + ":" + entity))
	return map[string]interface{}{
		"upsertBucket": map[string]interface{}{
			"inserted": !exists,
			"bucket": map[string]interface{}{
				"id":               id,
				"name":             name,
				"displayName":      r.DisplayName,
				"historyLineCount": len(r.Files["wandb-history.jsonl"]),
				"project": map[string]interface{}{
					"id":   base64.StdEncoding.EncodeToString([]byte("Project:v1:" + project + ":" + entity)),
					"name": project,
					"entity": map[string]interface{}{
						"id":   base64.StdEncoding.EncodeToString([]byte("Entity:v1:" + entity)),
						"name": entity,
					},
				},
			},
		},
	}, nil
}

// createRunFiles hands out an upload URL per file, pointing back at the
// server. The caller holds s.mu.
func (s *Server) createRunFiles(vars map[string]json.RawMessage) (interface{}, error) {
	entity, _ := str(vars, "entity")
	project, _ := str(vars, "project")
	run, _ := str(vars, "run")
	r, ok := s.runs[runKey(entity, project, run)]
	if !ok {
		return nil, fmt.Errorf("createRunFiles: run %s/%s/%s not found", entity, project, run)
	}
	var files []string
	if err := json.Unmarshal(vars["files"], &files); err != nil {
		return nil, fmt.Errorf("createRunFiles: files: %v", err)
	}
	out := make([]map[string]interface{}, 0, len(files))
	for _, f := range files {
		if f == "" || strings.HasPrefix(f, "/") || strings.Contains(f, "..") {
			return nil, fmt.Errorf("createRunFiles: invalid file name %q", f)
		}
		r.Created = append(r.Created, f)
		out = append(out, map[string]interface{}{
			"name":      f,
			"uploadUrl": s.ts.URL + "/upload/" + entity + "/" + project + "/" + run + "/" + f + "?sig=fake",
		})
	}
	return map[string]interface{}{
		"createRunFiles": map[string]interface{}{
			"runID":         run,
			"uploadHeaders": []string{},
			"files":         out,
		},
	}, nil
}

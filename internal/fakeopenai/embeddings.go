package fakeopenai

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
)

// embeddingDims is the length of every fake embedding vector.
const embeddingDims = 8

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request, body []byte) {
	var req inputRequest
	if !decodeBody(w, body, &req) {
		return
	}
	var inputs []string
	var one string
	var tokens [][]int
	switch {
	case json.Unmarshal(req.Input, &one) == nil:
		inputs = []string{one}
	case json.Unmarshal(req.Input, &inputs) == nil:
	case json.Unmarshal(req.Input, &tokens) == nil:
		for _, t := range tokens {
			inputs = append(inputs, string(mustJSON(t)))
		}
	default:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "'input' must be a string or a list")
		return
	}
	if fault(r, w, req.Model) {
		return
	}
	type item struct {
		Object    string    `json:"object"`
		Embedding []float32 `json:"embedding"`
		Index     int       `json:"index"`
	}
	data := make([]item, 0, len(inputs))
	prompt := 0
	for i, in := range inputs {
		sum := sha256.Sum256([]byte(in))
		vec := make([]float32, embeddingDims)
		for j := range vec {
			vec[j] = float32(sum[j])/128 - 1
		}
		data = append(data, item{Object: "embedding", Embedding: vec, Index: i})
		prompt += words(in)
	}
	s.addTokens(prompt, 0)
	writeJSON(w, http.StatusOK, map[string]interface{}{
		"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": prompt, "total_tokens": prompt},
	})
}

package fakeopenai

import (
	"bytes"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
)

// modelIDs are the models /v1/models lists.
var modelIDs = []string{"gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo-instruct", "text-embedding-3-small", "whisper-1", "dall-e-3"}

func modelObject(id string) map[string]interface{} {
	return map[string]interface{}{"id": id, "object": "model", "created": Created, "owned_by": "system"}
}

func models(w http.ResponseWriter) {
	data := make([]interface{}, 0, len(modelIDs))
	for _, id := range modelIDs {
		data = append(data, modelObject(id))
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{"object": "list", "data": data})
}

func model(w http.ResponseWriter, id string) {
	for _, m := range modelIDs {
		if m == id {
			writeJSON(w, http.StatusOK, modelObject(id))
			return
		}
	}
	writeError(w, http.StatusNotFound, "invalid_request_error", "model_not_found", "The model '"+id+"' does not exist")
}

func moderations(w http.ResponseWriter, body []byte) {
	var req inputRequest
	if !decodeBody(w, body, &req) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{
		"id": "modr-" + digest(string(req.Input)), "model": "omni-moderation-latest",
		"results": []interface{}{map[string]interface{}{
			"flagged": false, "categories": map[string]bool{"violence": false},
			"category_scores": map[string]float64{"violence": 0.001},
		}},
	})
}

func images(w http.ResponseWriter, body []byte) {
	var req struct {
		Prompt         string `json:"prompt"`
		N              int    `json:"n"`
		ResponseFormat string `json:"response_format"`
	}
	if !decodeBody(w, body, &req) {
		return
	}
	if req.N <= 0 {
		req.N = 1
	}
	data := make([]interface{}, 0, req.N)
	for i := 0; i < req.N; i++ {
		d := map[string]interface{}{"revised_prompt": req.Prompt}
		if req.ResponseFormat == "b64_json" {
			// A tiny but non-empty payload stands for the PNG bytes.
			d["b64_json"] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
		} else {
			d["url"] = "https://images.example/" + digest(req.Prompt, strconv.Itoa(i)) + ".png"
		}
		data = append(data, d)
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{"created": Created, "data": data})
}

// SpeechSize is the size of every audio body /audio/speech answers.
const SpeechSize = 16 << 10

// speech answers text-to-speech with SpeechSize bytes of stand-in MP3
// audio, derived from the input so equal requests read equal bytes.
func speech(w http.ResponseWriter, body []byte) {
	var req struct {
		Input string `json:"input"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Input == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "fakeopenai: speech needs an input")
		return
	}
	seed := []byte(digest(req.Input))
	audio := make([]byte, SpeechSize)
	for i := range audio {
		audio[i] = seed[i%len(seed)]
	}
	w.Header().Set("Content-Type", "audio/mpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(audio)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(audio)
}

func transcription(w http.ResponseWriter, r *http.Request, body []byte) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "fakeopenai: transcription needs multipart/form-data")
		return
	}
	form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(maxBody)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "fakeopenai: bad multipart body: "+err.Error())
		return
	}
	defer form.RemoveAll()
	size := int64(0)
	for _, fh := range form.File["file"] {
		size += fh.Size
	}
	if size == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "fakeopenai: no audio file in the form")
		return
	}
	txt := "transcribed " + strconv.FormatInt(size, 10) + " bytes of audio"
	if f := form.Value["response_format"]; len(f) > 0 && (f[0] == "text" || f[0] == "srt" || f[0] == "vtt") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte(txt))
		return
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{"text": txt})
}

package wbopenai

import (
	"io"
	"net/http"
	"testing"
)

// TestReadHeaderFindsCredentials: the keys scrubbed from everything
// logged are read from the request's headers however the client spelled
// their names (http.Header.Set makes them canonical), and a binary body
// is recognised by its Content-Type.
func TestReadHeaderFindsCredentials(t *testing.T) {
	h := http.Header{}
	h.Set("authorization", "Bearer sk-secret-1")
	h.Set("api-key", "azure-secret-2")
	h.Set("content-type", "multipart/form-data; boundary=x")
	ev := &event{reqHeader: h, getBody: func() (io.ReadCloser, error) { return http.NoBody, nil }}
	ev.readHeader()
	if ev.secrets != [2]string{"sk-secret-1", "azure-secret-2"} {
		t.Errorf("secrets %q", ev.secrets)
	}
	if !ev.reqBinary || ev.getBody != nil {
		t.Errorf("a multipart body: reqBinary %v, getBody kept %v", ev.reqBinary, ev.getBody != nil)
	}
}

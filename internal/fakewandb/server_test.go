package fakewandb

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func post(t *testing.T, url, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if key != "" {
		req.SetBasicAuth("api", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const upsert = `{"operationName":"UpsertBucket","query":"mutation UpsertBucket { upsertBucket(input: {}) { bucket { id } } }","variables":{"name":"r1","project":"p"}}`

func TestAuthAndEntities(t *testing.T) {
	s := New("k")
	defer s.Close()
	if code, _ := post(t, s.URL()+"/graphql", "wrong", upsert); code != 401 {
		t.Errorf("wrong key: status %d, want 401", code)
	}
	if code, _ := post(t, s.URL()+"/graphql", "", upsert); code != 401 {
		t.Errorf("no key: status %d, want 401", code)
	}
	code, body := post(t, s.URL()+"/graphql", "k", strings.Replace(upsert, `"project":"p"`, `"project":"p","entity":"ghost"`, 1))
	if code != 200 || !strings.Contains(body, "entity ghost not found") {
		t.Errorf("unknown entity: %d %s", code, body)
	}
	code, body = post(t, s.URL()+"/graphql", "k", upsert)
	if code != 200 || !strings.Contains(body, `"name":"fake-user"`) {
		t.Errorf("upsert: %d %s", code, body)
	}
}

func TestFileStreamOffsets(t *testing.T) {
	s := New("k")
	defer s.Close()
	post(t, s.URL()+"/graphql", "k", upsert)
	fs := s.URL() + "/files/fake-user/p/r1/file_stream"
	send := func(offset int, lines ...string) int {
		content, _ := json.Marshal(lines)
		code, _ := post(t, fs, "k", `{"files":{"wandb-history.jsonl":{"offset":`+itoa(offset)+`,"content":`+string(content)+`}}}`)
		return code
	}
	if c := send(0, `{"a":0}`, `{"a":1}`); c != 200 {
		t.Fatalf("first batch: %d", c)
	}
	if c := send(1, `{"a":1}`, `{"a":2}`); c != 200 {
		t.Fatalf("overlapping resend: %d", c)
	}
	if c := send(5, `{"a":5}`); c != 400 {
		t.Errorf("gap: status %d, want 400", c)
	}
	run, _ := s.Run("fake-user", "p", "r1")
	if got := strings.Join(run.Files["wandb-history.jsonl"], " "); got != `{"a":0} {"a":1} {"a":2}` || run.Resent != 1 {
		t.Errorf("stored %q, resent %d", got, run.Resent)
	}
	if v := s.Violations(); len(v) != 1 || !strings.Contains(v[0], "offset 5 but 3 lines") {
		t.Errorf("violations %q, want the one gap", v)
	}
	if code, _ := post(t, s.URL()+"/files/fake-user/p/nope/file_stream", "k", `{"files":{}}`); code != 404 {
		t.Errorf("unknown run: %d, want 404", code)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestFaultsAreUsedInOrder(t *testing.T) {
	s := New("k")
	defer s.Close()
	s.Inject(Fault{Endpoint: "graphql", Status: 500}, 2)
	s.Inject(Fault{Status: 429, RetryAfter: "3"}, 1)
	var codes []int
	for i := 0; i < 4; i++ {
		c, _ := post(t, s.URL()+"/graphql", "k", upsert)
		codes = append(codes, c)
	}
	if got := string(mustMarshal(codes)); got != "[500,500,429,200]" {
		t.Errorf("statuses %v, want 500 500 429 200", codes)
	}
	s.Inject(Fault{Reset: true}, 1)
	if c, msg := post(t, s.URL()+"/graphql", "k", upsert); c != 0 {
		t.Errorf("reset: status %d %s, want a transport error", c, msg)
	}
	s.Down(true)
	if c, _ := post(t, s.URL()+"/graphql", "k", upsert); c != 0 {
		t.Errorf("down: status %d, want a transport error", c)
	}
}

func mustMarshal(v interface{}) []byte { b, _ := json.Marshal(v); return b }

func TestUploadRefusesKeys(t *testing.T) {
	s := New("k")
	defer s.Close()
	post(t, s.URL()+"/graphql", "k", upsert)
	_, body := post(t, s.URL()+"/graphql", "k", `{"operationName":"CreateRunFiles","query":"mutation CreateRunFiles { createRunFiles(input: {}) { files { name } } }","variables":{"entity":"fake-user","project":"p","run":"r1","files":["media/table/t.json"]}}`)
	var ans struct {
		Data struct {
			CreateRunFiles struct {
				Files []struct{ Name, UploadURL string }
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &ans); err != nil || len(ans.Data.CreateRunFiles.Files) != 1 {
		t.Fatalf("CreateRunFiles answer %s (%v)", body, err)
	}
	u := ans.Data.CreateRunFiles.Files[0].UploadURL
	put := func(withKey bool) int {
		req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader([]byte("tbl")))
		if withKey {
			req.SetBasicAuth("api", "k")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := put(true); c != 400 || len(s.Violations()) != 1 {
		t.Errorf("upload with the key: %d, violations %v", c, s.Violations())
	}
	if c := put(false); c != 200 {
		t.Errorf("upload: %d", c)
	}
	run, _ := s.Run("fake-user", "p", "r1")
	if string(run.Uploads["media/table/t.json"]) != "tbl" {
		t.Errorf("uploads %v", run.Uploads)
	}
}

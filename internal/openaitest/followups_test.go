package openaitest

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// liveRows reads the rows written so far by the run in progress; a torn
// tail (a record being written) only hides that record.
func (e *env) liveRows() []row {
	dirs, _ := filepath.Glob(filepath.Join(e.dir, "wandb", "offline-run-*"))
	if len(dirs) != 1 {
		return nil
	}
	rd, err := wandbfile.ReadRunDir(dirs[0])
	if rd == nil {
		e.t.Logf("reading the live run: %v", err)
		return nil
	}
	return rows(rd)
}

// rowsAfterGC runs the garbage collector until the run in progress holds
// a row, for at most 10 seconds, and returns its rows: the tests drop a
// call's result unclosed, which only a finalizer can log.
func (e *env) rowsAfterGC() []row {
	var got []row
	deadline := time.Now().Add(10 * time.Second)
	for len(got) == 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
		got = e.liveRows()
	}
	return got
}

// TestAbandonedStreamFinalizer: a stream the user drops without Close or
// EOF is logged once the garbage collector finds it, long before Finish.
func TestAbandonedStreamFinalizer(t *testing.T) {
	e := start(t)
	c := e.instrumented()
	func() {
		st, err := c.CreateChatCompletionStream(context.Background(), chatReq(openai.GPT4oMini, "dropped"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Recv(); err != nil {
			t.Fatal(err)
		}
		// st goes out of scope unclosed.
	}()
	got := e.rowsAfterGC()
	if len(got) != 1 {
		t.Fatalf("after 10s of GC, %d rows of the abandoned stream were written, want 1", len(got))
	}
	sp, _ := got[0].trace(t)
	if sp.attr("stream_abandoned") != "true" || sp.attr("stream") != "true" || sp.StatusCode != "SUCCESS" {
		t.Errorf("span %s %v", sp.StatusCode, sp.Attributes)
	}
	time.Sleep(20 * time.Millisecond)
	finishAt := time.Now().UnixNano() / 1e6
	rs := rows(e.finish())
	if len(rs) != 1 {
		t.Fatalf("%d rows after Finish, want the one logged by the finalizer", len(rs))
	}
	if sp, _ := rs[0].trace(t); sp.EndTimeMs >= finishAt {
		t.Errorf("span ends at %d, not before Finish (%d): logged by Finish, not the finalizer", sp.EndTimeMs, finishAt)
	}
}

// TestCall0CallE1LibraryClient: calls through Call0 and CallE1 on a
// client built outside user code are logged exactly once each, by the
// wrapper; calls go-openai rejects before sending are not logged.
func TestCall0CallE1LibraryClient(t *testing.T) {
	e := start(t)
	lib := e.plain()
	ctx := context.Background()
	models, err := wbopenai.Call0(lib.ListModels, "lib.go:10 lib.models")(ctx)
	if err != nil || len(models.Models) == 0 {
		t.Fatalf("ListModels: %v (%d models)", err, len(models.Models))
	}
	delErr := wbopenai.CallE1(lib.DeleteFile, "lib.go:11 lib.del")(ctx, "file-abc")
	var apiErr *openai.APIError
	if !errors.As(delErr, &apiErr) || apiErr.HTTPStatusCode != 404 {
		t.Fatalf("DeleteFile on the fake = %v, want its 404", delErr)
	}
	served := e.srv.Calls()

	// Rejected before sending: an id that cannot be in a URL, and a
	// client whose base URL does not parse.
	if err := wbopenai.CallE1(lib.DeleteFile, "lib.go:12 lib.del")(ctx, "bad\x7fid"); err == nil {
		t.Fatal("DeleteFile with a control character in the id was sent")
	}
	cfg := openai.DefaultConfig(secretKey)
	cfg.BaseURL = "http://[::1" // unparsable
	broken := openai.NewClientWithConfig(cfg)
	if _, err := wbopenai.Call0(broken.ListModels, "lib.go:13 lib.models")(ctx); err == nil {
		t.Fatal("ListModels with a broken base URL succeeded")
	}
	if e.srv.Calls() != served {
		t.Fatalf("rejected calls reached the server (%d calls, want %d)", e.srv.Calls(), served)
	}

	// The same two wrappers on an instrumented client: the transport logs,
	// the wrapper must not log again.
	in := e.instrumented()
	if _, err := wbopenai.Call0(in.ListModels, "app.go:20 main.models")(ctx); err != nil {
		t.Fatal(err)
	}
	_ = wbopenai.CallE1(in.DeleteFile, "app.go:21 main.del")(ctx, "file-abc")

	rs := rows(e.finish())
	if len(rs) != 4 || e.srv.Calls() != 4 {
		t.Fatalf("%d rows for %d server calls, want 4 and 4", len(rs), e.srv.Calls())
	}
	want := []struct{ name, site, status, http string }{
		{"ListModels", "lib.go:10 lib.models", "SUCCESS", ""},
		{"DeleteFile", "lib.go:11 lib.del", "ERROR", "404"},
		{"ListModels", "app.go:20 main.models", "SUCCESS", ""},
		{"DeleteFile", "app.go:21 main.del", "ERROR", "404"},
	}
	for i, w := range want {
		sp, _ := rs[i].trace(t)
		if sp.Name != w.name || sp.attr("call_site") != w.site || sp.StatusCode != w.status || sp.SpanKind != "TOOL" {
			t.Errorf("row %d: span %s %s kind %s site %q, want %s %s TOOL %q", i, sp.Name, sp.StatusCode, sp.SpanKind, sp.attr("call_site"), w.name, w.status, w.site)
		}
		if w.http != "" && sp.attr("http_status") != w.http {
			t.Errorf("row %d: http_status %q, want %s", i, sp.attr("http_status"), w.http)
		}
	}
}

// TestStreamOptionsRejected: a server that answers 400 to the
// stream_options we add gets the user's request again as the user wrote
// it; the user reads exactly the plain stream, one call is logged (usage
// missing, text kept), and the server saw the refused request too.
func TestStreamOptionsRejected(t *testing.T) {
	e := start(t)
	const model = "nooptions-gpt-4o"
	want := rawChunks(t, e.plain(), chatReq(model, "retry without options"))
	before := e.srv.Calls()
	got := rawChunks(t, e.instrumented(), chatReq(model, "retry without options"))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("stream differs:\n got %q\nwant %q", got, want)
	}
	if n := e.srv.Calls() - before; n != 2 {
		t.Fatalf("instrumented stream made %d requests, want 2 (refused, then as written)", n)
	}
	reqs := e.srv.Requests()
	refused, retried := reqs[len(reqs)-2], reqs[len(reqs)-1]
	if !strings.Contains(string(refused.Body), `"include_usage":true`) || strings.Contains(string(retried.Body), "stream_options") {
		t.Errorf("refused body %s\nretried body %s", refused.Body, retried.Body)
	}

	// A user who asked for stream_options gets the server's refusal as is.
	req := chatReq(model, "my own options")
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	_, err := e.instrumented().CreateChatCompletionStream(context.Background(), req)
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 || !strings.Contains(apiErr.Message, "stream_options") {
		t.Fatalf("user's own stream_options: err = %v, want the server's 400", err)
	}

	rs := rows(e.finish())
	if len(rs) != 2 {
		t.Fatalf("%d rows, want 2 (the retried stream and the refused user request)", len(rs))
	}
	sp, dict := rs[0].trace(t)
	if string(rs[0]["usage_missing"]) != "true" || sp.StatusCode != "SUCCESS" || !strings.Contains(string(dict["response"]), "You asked: retry without options.") {
		t.Errorf("retried stream: row %v span %s %v", rs[0], sp.StatusCode, sp.Attributes)
	}
	if strings.Contains(string(dict["request"]), "stream_options") {
		t.Errorf("logged request %s carries our stream_options", dict["request"])
	}
	if sp, _ := rs[1].trace(t); sp.StatusCode != "ERROR" || sp.attr("http_status") != "400" {
		t.Errorf("refused user request: span %s %v", sp.StatusCode, sp.Attributes)
	}
}

// TestAbandonedSpeechBody: CreateSpeech hands the audio body to the user;
// one never read nor closed is logged at Finish, with its size so far and
// no audio bytes, and one dropped is logged when collected.
func TestAbandonedSpeechBody(t *testing.T) {
	e := start(t)
	c := e.instrumented()
	req := openai.CreateSpeechRequest{Model: openai.TTSModel1, Input: "say this", Voice: openai.VoiceAlloy}
	kept, err := c.CreateSpeech(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	func() {
		dropped, err := c.CreateSpeech(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		_ = dropped // never read, never closed
	}()
	got := e.rowsAfterGC()
	if len(got) != 1 {
		t.Fatalf("the dropped speech body was not logged when collected (%d rows)", len(got))
	}
	rs := rows(e.finish())
	kept.Close()
	if len(rs) != 2 {
		t.Fatalf("%d rows, want 2", len(rs))
	}
	for i, r := range rs {
		sp, dict := r.trace(t)
		if sp.Name != "CreateSpeech" || sp.attr("stream_abandoned") != "true" || sp.SpanKind != "TOOL" {
			t.Errorf("row %d: span %s kind %s %v", i, sp.Name, sp.SpanKind, sp.Attributes)
		}
		if !strings.Contains(string(dict["response"]), `"_binary":true`) {
			t.Errorf("row %d: response %s, want the binary marker", i, dict["response"])
		}
	}
}

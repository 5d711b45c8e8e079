package openaitest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// audioMarker stands for audio bytes that must never be copied into logs.
const audioMarker = "AUDIO-BYTES-NEVER-LOGGED"

func TestNonLLMEndpoints(t *testing.T) {
	e := start(t)
	c := e.instrumented()
	ctx := context.Background()
	if _, err := c.ListModels(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateImage(ctx, openai.ImageRequest{Prompt: "a gopher", ResponseFormat: openai.CreateImageResponseFormatB64JSON}); err != nil {
		t.Fatal(err)
	}
	audio := bytes.Repeat([]byte(audioMarker), 100)
	if _, err := c.CreateTranscription(ctx, openai.AudioRequest{Model: "whisper-1", FilePath: "a.mp3", Reader: bytes.NewReader(audio)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetModel(ctx, "no-such-model"); err == nil {
		t.Fatal("unknown model did not fail")
	}
	rs := rows(e.finish())
	if len(rs) != 4 {
		t.Fatalf("%d rows, want 4", len(rs))
	}
	names := []string{"ListModels", "CreateImage", "CreateTranscription", "GetModel"}
	for i, r := range rs {
		sp, _ := r.trace(t)
		if sp.Name != names[i] || r.has("usage/total_tokens") || !r.has("usage/elapsed_time") {
			t.Errorf("row %d: span %q, row %v", i, sp.Name, r)
		}
		if !sp.hasAttr("request_size") || !sp.hasAttr("response_size") || !sp.hasAttr("http_status") {
			t.Errorf("row %d attributes %v", i, sp.Attributes)
		}
	}
	if sp, _ := rs[2].trace(t); !strings.Contains(string(sp.Results[0].Inputs), `"_binary":true`) {
		t.Errorf("transcription inputs %s", sp.Results[0].Inputs)
	}
	if sp, _ := rs[3].trace(t); sp.StatusCode != "ERROR" || sp.attr("http_status") != "404" {
		t.Errorf("GetModel span %s %v", sp.StatusCode, sp.Attributes)
	}
	filepath.Walk(e.dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(audioMarker)) {
				t.Errorf("%s contains the audio bytes", p)
			}
		}
		return nil
	})
}

func TestBodiesCapped(t *testing.T) {
	t.Setenv("WBINSTRUMENT_MAX_BODY", "200")
	e := start(t)
	long := strings.Repeat("lorem ipsum ", 200)
	if _, err := e.instrumented().CreateChatCompletion(context.Background(), chatReq(openai.GPT4oMini, long)); err != nil {
		t.Fatal(err)
	}
	rs := rows(e.finish())
	if len(rs) != 1 {
		t.Fatalf("%d rows", len(rs))
	}
	sp, dict := rs[0].trace(t)
	if !strings.Contains(string(dict["request"]), `"_truncated":true`) || len(dict["request"]) > 600 {
		t.Errorf("request not capped: %d bytes: %.200s", len(dict["request"]), dict["request"])
	}
	if len(sp.Results[0].Outputs) > 600 {
		t.Errorf("response not capped: %d bytes", len(sp.Results[0].Outputs))
	}
	if rs[0].int(t, "usage/prompt_tokens") < 400 {
		t.Errorf("usage lost with the cap: %v", rs[0])
	}
}

func TestBodiesOff(t *testing.T) {
	t.Setenv("WBINSTRUMENT_LOG_BODIES", "false")
	e := start(t)
	if _, err := e.instrumented().CreateChatCompletion(context.Background(), chatReq(openai.GPT4oMini, "private words")); err != nil {
		t.Fatal(err)
	}
	e.finish()
	filepath.Walk(e.dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("private words")) || bytes.Contains(b, []byte("deterministic answer")) {
				t.Errorf("%s contains a body although WBINSTRUMENT_LOG_BODIES=false", p)
			}
		}
		return nil
	})
}

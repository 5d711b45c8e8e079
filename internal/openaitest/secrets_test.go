package openaitest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// assertNoSecret fails if any file under dir contains the API key.
func assertNoSecret(t *testing.T, dir string) {
	t.Helper()
	files := 0
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || info.Mode()&os.ModeSymlink != 0 {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, []byte(secretKey)) || bytes.Contains(b, []byte("Bearer ")) {
			t.Errorf("%s contains the API key or an Authorization header", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no files written: nothing was checked")
	}
}

func TestNoSecretInRunDir(t *testing.T) {
	e := start(t)
	c := e.instrumented()
	ctx := context.Background()
	// The key appears in the request body too: it must still be scrubbed.
	if _, err := c.CreateChatCompletion(ctx, chatReq("gpt-4o-mini", "my key is "+secretKey)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateChatCompletion(ctx, chatReq("fail-429", "x")); err == nil {
		t.Fatal("fail-429 did not fail")
	}
	st, err := c.CreateChatCompletionStream(ctx, chatReq("gpt-4o-mini", "stream please"))
	if err != nil {
		t.Fatal(err)
	}
	drain(t, st)
	if n := len(rows(e.finish())); n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
	assertNoSecret(t, e.dir)
}

package reliability

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
)

const (
	openaiKey = "sk-proj-SECRET-openai-7f3e9a1c5b2d4e6f8a0b"
	azureKey  = "azure0SECRET0key0c4d5e6f7a8b9c0d1e2f3a4b"
	// pastedKey is a key the user pasted into a prompt: it is the user's
	// data, logged like the rest of the prompt, and it is the positive
	// control that proves the search below finds what is there.
	pastedKey = "sk-pasted-by-user-0a1b2c3d4e5f"
)

// place is one place a secret may not appear.
type place struct {
	name string
	data []byte
}

// TestFaultSecrets runs the instrumented program with an OpenAI key in its
// environment (sent as the Authorization header) and a W&B key in its
// environment: online against the fake W&B server, then offline, then
// offline to Azure (key in the api-key header), and uploads the offline
// runs with `wbinstrument sync`. It searches every file written,
// everything printed and every byte the W&B server received: no key may
// appear, raw or base64 encoded (HTTP Basic); only the W&B key may reach
// W&B, and only in the Authorization header.
func TestFaultSecrets(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	wb := fakewandb.New(wandbKey)
	defer wb.Close()
	dir := t.TempDir()
	var places []place
	run := func(mode string, env ...string) {
		cmd := programCmd(t, fake, openaiKey, append([]string{
			"WANDB_API_KEY=" + wandbKey, "WANDB_BASE_URL=" + wb.URL(), "WANDB_MODE=" + mode, "WANDB_DIR=" + dir,
			"FAULT_CALLS=20", "FAULT_DELAY=1ms", "FAULT_PROMPT=my key is " + pastedKey + ", please check it"}, env...)...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s run: %v\n%s", mode, err, e.String())
		}
		places = append(places, place{mode + " run stdout", o.Bytes()}, place{mode + " run stderr", e.Bytes()})
	}
	run("online")
	run("offline")
	run("offline", "FAULT_AZURE=1", "OPENAI_BASE_URL="+fake.RootURL(), "OPENAI_API_KEY="+azureKey)
	code, out, errOut := runCLI(t, dir, []string{"WANDB_API_KEY=" + wandbKey, "WANDB_BASE_URL=" + wb.URL()}, "sync", filepath.Join(dir, "wandb"))
	if code != 0 {
		t.Fatalf("wbinstrument sync: exit %d\n%s%s", code, out, errOut)
	}
	places = append(places, place{"sync stdout", []byte(out)}, place{"sync stderr", []byte(errOut)})

	// The key really was sent as a header: otherwise the test proves nothing.
	sent, sentAzure := 0, 0
	for _, r := range fake.Requests() {
		if r.Header.Get("Authorization") == "Bearer "+openaiKey {
			sent++
		}
		if r.Header.Get("api-key") == azureKey {
			sentAzure++
		}
	}
	if sent == 0 || sentAzure == 0 {
		t.Fatalf("the keys never reached the OpenAI server's headers (Authorization %d times, api-key %d times)", sent, sentAzure)
	}

	files := 0
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("reading %s: %v", p, err)
			return nil
		}
		files++
		rel, _ := filepath.Rel(dir, p)
		places = append(places, place{rel, b})
		return nil
	})
	wbReqs := wb.Requests()
	for _, r := range wbReqs {
		places = append(places, place{"W&B request body " + r.Method + " " + r.Path, r.Body})
		h := r.Header.Clone()
		h.Del("Authorization")
		if strings.HasSuffix(r.Path, "/otel/v1/traces") {
			// Weave's OTLP endpoint takes the key in this header
			// (W&B docs, weave/guides/tracking/otel).
			h.Del("Wandb-Api-Key")
		}
		var hb bytes.Buffer
		h.Write(&hb)
		places = append(places, place{"W&B request headers " + r.Method + " " + r.Path, hb.Bytes()})
		if strings.Contains(r.Header.Get("Authorization"), openaiKey) {
			t.Errorf("the OpenAI key was sent to W&B in %s %s", r.Method, r.Path)
		}
	}

	secrets := map[string]string{
		"OpenAI key":            openaiKey,
		"W&B key":               wandbKey,
		"W&B key (Basic auth)":  base64.StdEncoding.EncodeToString([]byte("api:" + wandbKey)),
		"OpenAI key (base64)":   base64.StdEncoding.EncodeToString([]byte(openaiKey)),
		"OpenAI key (redacted)": openaiKey[:len(openaiKey)-4], // a key cut short is still a key
		"Azure key":             azureKey,
	}
	leaks, pasted := 0, 0
	for _, pl := range places {
		for what, s := range secrets {
			if bytes.Contains(pl.data, []byte(s)) {
				leaks++
				t.Errorf("%s appears in %s", what, pl.name)
			}
		}
		if bytes.Contains(pl.data, []byte(pastedKey)) {
			pasted++
		}
	}
	if pasted == 0 {
		t.Errorf("the pasted prompt key appears nowhere: the search cannot be trusted")
	}
	if v := wb.Violations(); len(v) > 0 {
		t.Errorf("fake W&B saw violations: %v", v)
	}
	t.Logf("SUMMARY secrets: searched %d places (%d files, %d W&B requests, stdout/stderr of 3 runs and sync) for %d key forms: %d leaks; OpenAI key sent in %d Authorization headers, Azure key in %d api-key headers; pasted prompt key (user data) found in %d places",
		len(places), files, len(wbReqs), len(secrets), leaks, sent, sentAzure, pasted)
}

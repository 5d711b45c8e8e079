package wbopenai

import (
	"net/http"
	"testing"
)

// doerIface mirrors go-openai v1.29+'s HTTPDoer.
type doerIface interface {
	Do(*http.Request) (*http.Response, error)
}

type newConfig struct {
	BaseURL    string
	OrgID      string
	HTTPClient doerIface
}

type oldConfig struct {
	BaseURL    string
	OrgID      string
	HTTPClient *http.Client
}

type countingDoer struct{ n int }

func (d *countingDoer) Do(*http.Request) (*http.Response, error) {
	d.n++
	return nil, http.ErrHandlerTimeout
}

func TestConfigWrapsDoerOnce(t *testing.T) {
	user := &countingDoer{}
	c := Config(newConfig{HTTPClient: user})
	d, ok := c.HTTPClient.(*doer)
	if !ok || d.next != user {
		t.Fatalf("HTTPClient = %T, want *doer around the user's doer", c.HTTPClient)
	}
	if again := Config(c); again.HTTPClient != c.HTTPClient {
		t.Fatal("Config wrapped an instrumented config twice")
	}
	if nilCfg := Config(newConfig{}); nilCfg.HTTPClient != nil {
		t.Fatal("nil HTTPClient did not stay nil")
	}
}

func TestConfigCopiesOldHTTPClient(t *testing.T) {
	user := &http.Client{Timeout: 7}
	c := Config(oldConfig{HTTPClient: user})
	if c.HTTPClient == user || user.Transport != nil {
		t.Fatal("the user's *http.Client was modified or not copied")
	}
	rt, ok := c.HTTPClient.Transport.(*roundTripper)
	if !ok || rt.next != http.DefaultTransport || c.HTTPClient.Timeout != 7 {
		t.Fatalf("Transport = %T (timeout %v), want roundTripper over DefaultTransport", c.HTTPClient.Transport, c.HTTPClient.Timeout)
	}
	if again := Config(c); again.HTTPClient != c.HTTPClient {
		t.Fatal("Config wrapped an instrumented *http.Client twice")
	}
}

func TestNewOrgClientSetsOrg(t *testing.T) {
	got := NewOrgClient(func(c newConfig) newConfig { return c },
		func(tok string) newConfig { return newConfig{BaseURL: tok, HTTPClient: &http.Client{}} }, "tok", "org-1")
	if got.OrgID != "org-1" || got.BaseURL != "tok" {
		t.Fatalf("config = %+v", got)
	}
	if _, ok := got.HTTPClient.(*doer); !ok {
		t.Fatal("NewOrgClient did not instrument the config")
	}
}

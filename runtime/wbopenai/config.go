package wbopenai

import (
	"net/http"
	"reflect"
)

// Config returns the go-openai client configuration c with its HTTP layer
// instrumented. C is the user's openai.ClientConfig of any go-openai
// version: from v1.29 its HTTPClient field is the HTTPDoer interface and
// the doer (even a user's own) is wrapped; before, it is an *http.Client,
// which is copied with its Transport wrapped so the user's client is left
// untouched. A nil HTTPClient stays nil, and an instrumented config is
// returned unchanged, so Config may be applied twice.
func Config[C any](c C) C {
	v := reflect.ValueOf(&c).Elem()
	if v.Kind() != reflect.Struct {
		return c
	}
	f := v.FieldByName("HTTPClient")
	if !f.IsValid() || !f.CanSet() {
		return c
	}
	switch {
	case f.Kind() == reflect.Interface:
		if f.IsNil() {
			return c
		}
		next, ok := f.Interface().(httpDoer)
		if !ok {
			return c
		}
		if _, done := next.(*doer); done {
			return c
		}
		d := &doer{next: next}
		if !reflect.TypeOf(d).AssignableTo(f.Type()) {
			return c
		}
		f.Set(reflect.ValueOf(d))
	case f.Type() == reflect.TypeOf((*http.Client)(nil)):
		hc, _ := f.Interface().(*http.Client)
		if hc == nil {
			return c
		}
		if _, done := hc.Transport.(*roundTripper); done {
			return c
		}
		cp := *hc
		next := cp.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		cp.Transport = &roundTripper{next: next}
		f.Set(reflect.ValueOf(&cp))
	}
	return c
}

// NewClient builds a client like openai.NewClient(authToken), with the
// HTTP layer instrumented. The rewriter passes openai.NewClientWithConfig
// and openai.DefaultConfig of the user's go-openai version.
func NewClient[C, Cl any](withConfig func(C) Cl, defaultConfig func(string) C, authToken string) Cl {
	return withConfig(Config(defaultConfig(authToken)))
}

// NewOrgClient builds a client like openai.NewOrgClient(authToken, orgID),
// with the HTTP layer instrumented.
func NewOrgClient[C, Cl any](withConfig func(C) Cl, defaultConfig func(string) C, authToken, orgID string) Cl {
	c := defaultConfig(authToken)
	if f := reflect.ValueOf(&c).Elem(); f.Kind() == reflect.Struct {
		if org := f.FieldByName("OrgID"); org.IsValid() && org.CanSet() && org.Kind() == reflect.String {
			org.SetString(orgID)
		}
	}
	return withConfig(Config(c))
}

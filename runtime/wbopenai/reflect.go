package wbopenai

import (
	"errors"
	"net/http"
	"reflect"
	"runtime"
	"strings"
)

// headerOf returns the HTTP header go-openai keeps in every response type
// (its Header method), or nil.
func headerOf(result interface{}) http.Header {
	if h, ok := result.(interface{ Header() http.Header }); ok {
		return h.Header()
	}
	v := reflect.ValueOf(result)
	if !v.IsValid() || v.Kind() == reflect.Ptr {
		return nil
	}
	// Response structs have Header on the pointer receiver.
	p := reflect.New(v.Type())
	p.Elem().Set(v)
	if h, ok := p.Interface().(interface{ Header() http.Header }); ok {
		return h.Header()
	}
	return nil
}

// apiErrorInfo is what an error from go-openai says about the failure.
type apiErrorInfo struct {
	status  int
	typ     string
	code    string
	message string
}

// errorInfo reads go-openai's *APIError / *RequestError (any version) by
// their field names, walking the wrap chain.
func errorInfo(err error) apiErrorInfo {
	var info apiErrorInfo
	for e := err; e != nil; e = errors.Unwrap(e) {
		v := reflect.ValueOf(e)
		for v.Kind() == reflect.Ptr || v.Kind() == reflect.Interface {
			if v.IsNil() {
				break
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			continue
		}
		if f := v.FieldByName("HTTPStatusCode"); f.IsValid() && f.Kind() == reflect.Int && info.status == 0 {
			info.status = int(f.Int())
		}
		// openai-go's *apierror.Error.
		if f := v.FieldByName("StatusCode"); f.IsValid() && f.Kind() == reflect.Int && info.status == 0 {
			info.status = int(f.Int())
		}
		if f := v.FieldByName("Type"); f.IsValid() && f.Kind() == reflect.String && info.typ == "" {
			info.typ = f.String()
		}
		if f := v.FieldByName("Code"); f.IsValid() && info.code == "" && f.CanInterface() {
			if c := f.Interface(); c != nil {
				info.code = strings.TrimSpace(toString(c))
			}
		}
		if f := v.FieldByName("Message"); f.IsValid() && f.Kind() == reflect.String && info.message == "" {
			info.message = f.String()
		}
	}
	return info
}

func statusOf(err error) int {
	if err == nil {
		return 0
	}
	return errorInfo(err).status
}

func toString(v interface{}) string {
	switch c := v.(type) {
	case string:
		return c
	case interface{ String() string }:
		return c.String()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return itoa(int(rv.Int()))
	case reflect.Float64:
		return itoa(int(rv.Float()))
	}
	return ""
}

// methodName turns the function of a method value into the method's name:
// "github.com/sashabaranov/go-openai.(*Client).CreateChatCompletion-fm"
// gives "CreateChatCompletion".
func methodName(pc uintptr) string {
	if pc == 0 {
		return ""
	}
	fn := runtime.FuncForPC(pc)
	if fn == nil {
		return ""
	}
	if m := oaiMethod(fn.Name()); m != "" {
		return m
	}
	name := strings.TrimSuffix(fn.Name(), "-fm")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// kindOfMethod classifies a go-openai method by name, for calls logged by
// a call-site wrapper.
func kindOfMethod(name string) kind {
	switch {
	case strings.HasPrefix(name, "CreateChatCompletion"):
		return kindChat
	case strings.HasPrefix(name, "CreateCompletion"):
		return kindCompletion
	case strings.HasPrefix(name, "CreateEmbeddings"):
		return kindEmbedding
	case name == "CreateResponse" || name == "CreateResponseStream":
		return kindResponses
	}
	return kindOther
}

// Package arity is the one table of how many parameters the runtime's
// call-site wrappers take. The rewriter picks a wrapper by it (and
// declares the glue's forwarders by it); the runtime's wrappers.go is
// generated from it by ./gen, so the two cannot drift apart. To change an
// arity, edit it here and run go generate ./internal/arity; the test in
// ./gen fails while wrappers.go is out of date.
//
// A go-openai method is wrapped by the family its signature fits:
// (ctx, a1..aN) (R, error) by wbopenai.CallN, (ctx, a1..aN, ...v)
// (R, error) by CallVN, and (ctx, a1..aN) error by CallEN, for N in the
// family's range. openai-go's methods, (ctx, a1..aN, ...option) with
// three kinds of results, are wrapped by OpenAICallN, OpenAIValueN and
// OpenAIErrN (runtime/wbopenai/openaigo_wrappers.go, written by hand and
// checked against OpenAIMax).
package arity

//go:generate go run ./gen -o ../../runtime/wbopenai/wrappers.go

// The ranges of N, both ends included.
const (
	CallMin, CallMax   = 0, 6
	CallVMin, CallVMax = 1, 2
	CallEMin, CallEMax = 0, 3
	// OpenAIMax is the most parameters openai-go's wrappers take between
	// the context and the options (from 0; its methods take up to three).
	OpenAIMax = 4
)

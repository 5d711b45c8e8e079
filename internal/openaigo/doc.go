// Package openaigo holds the end-to-end test of wbinstrument on a program
// using the official SDK, github.com/openai/openai-go: the program (its
// own module under testdata/, so that only it requires openai-go) is
// built plain and rewritten and run against internal/fakeopenai.
package openaigo

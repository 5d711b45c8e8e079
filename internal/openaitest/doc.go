// Package openaitest holds the tests of the instrumented OpenAI runtime
// (runtime/wbopenai) that need go-openai itself, which the runtime module
// may not require. They run real go-openai clients against
// internal/fakeopenai and read the resulting W&B run back.
package openaitest

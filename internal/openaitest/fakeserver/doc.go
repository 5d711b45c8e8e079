// Package fakeserver tests internal/fakeopenai with real go-openai
// clients. It lives in the openaitest module because the CLI's module
// does not require go-openai.
package fakeserver

// Package lib builds the client.
package lib

import openai "github.com/sashabaranov/go-openai"

// New builds a client.
func New(key string) *openai.Client { return openai.NewClient(key) }

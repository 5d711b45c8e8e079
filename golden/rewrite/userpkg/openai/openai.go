// Package openai is the user's own, not go-openai.
package openai

import "context"

// Client is not go-openai's.
type Client struct{}

// NewClient builds one.
func NewClient(string) *Client { return &Client{} }

// CreateChatCompletion answers.
func (c *Client) CreateChatCompletion(ctx context.Context, q string) (string, error) { return q, nil }

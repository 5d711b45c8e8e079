package tokens

import (
	"encoding/json"
	"testing"
)

func TestEncodingFor(t *testing.T) {
	for model, want := range map[string]string{
		"gpt-4o": O200k, "gpt-4o-mini-2024-07-18": O200k, "gpt-4.1-nano": O200k,
		"o1": O200k, "o3-mini": O200k, "o4-mini": O200k, "gpt-5": O200k, "openai/gpt-4o": O200k,
		"chatgpt-4o-latest": O200k,
		"gpt-4":             Cl100k, "gpt-4-turbo": Cl100k, "gpt-3.5-turbo": Cl100k, "text-embedding-3-small": Cl100k,
		"text-embedding-ada-002": Cl100k, "llama-3-70b": Cl100k, "": Cl100k, "omni-moderation": Cl100k,
	} {
		if got := EncodingFor(model); got != want {
			t.Errorf("EncodingFor(%q) = %s, want %s", model, got, want)
		}
	}
}

// Counts from OpenAI's tiktoken (the cookbook's compare_encodings):
// the two encodings split differently only on some inputs.
func TestCount(t *testing.T) {
	for _, tc := range []struct {
		model, text string
		want        int
	}{
		{"gpt-4", "hello world", 2},
		{"gpt-4o", "hello world", 2},
		{"gpt-4", "", 0},
		{"gpt-4", "tiktoken is great!", 6},
		{"gpt-3.5-turbo", "お誕生日おめでとう", 9},
		{"gpt-4o", "お誕生日おめでとう", 8},
		{"gpt-4", "2 + 2 = 4", 7},
		{"gpt-4o", "2 + 2 = 4", 7},
		{"gpt-3.5-turbo", "antidisestablishmentarianism", 6},
		{"gpt-4o", "antidisestablishmentarianism", 6},
	} {
		if got := Count(tc.model, tc.text); got != tc.want {
			t.Errorf("Count(%q, %q) = %d, want %d", tc.model, tc.text, got, tc.want)
		}
	}
}

// cookbookMessages is the example of OpenAI's cookbook "How to count
// tokens with tiktoken", whose counts the API reported as 129 prompt
// tokens for gpt-3.5-turbo and gpt-4, and 124 for gpt-4o and gpt-4o-mini.
func cookbookMessages(t *testing.T) []Message {
	t.Helper()
	var msgs []Message
	err := json.Unmarshal([]byte(`[
	{"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
	{"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
	{"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
	{"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
	{"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
	{"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."}
	]`), &msgs)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestChatPromptCookbook(t *testing.T) {
	msgs := cookbookMessages(t)
	for model, want := range map[string]int{
		"gpt-3.5-turbo": 129, "gpt-4-0613": 129, "gpt-4": 129,
		"gpt-4o": 124, "gpt-4o-mini": 124,
	} {
		if got := ChatPrompt(model, msgs); got != want {
			t.Errorf("ChatPrompt(%s, cookbook) = %d, want %d", model, got, want)
		}
	}
}

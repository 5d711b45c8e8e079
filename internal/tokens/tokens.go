// Package tokens estimates token counts of logged OpenAI calls whose
// server did not report usage (streams from servers that ignore
// stream_options.include_usage). The runtime stays standard-library only,
// so counting happens here, in the CLI (sync, view), with the real BPE
// encodings of tiktoken-go, and every count it produces is marked as an
// estimate.
package tokens

import (
	"strings"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

// Encoding names, as tiktoken calls them.
const (
	O200k  = "o200k_base"
	Cl100k = "cl100k_base"
)

// EncodingFor returns the encoding a model tokenizes with: o200k_base for
// the gpt-4o, gpt-4.1, gpt-5 and o-series families, cl100k_base for
// gpt-4, gpt-3.5 and the embedding models, and cl100k_base for anything
// unknown (OpenAI-compatible servers mostly serve models of that era's
// vocabulary size, and a guess is better than no count).
func EncodingFor(model string) string {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		// "openai/gpt-4o" on routers, "ft:..." is handled by the prefixes.
		m = m[i+1:]
	}
	m = strings.TrimPrefix(m, "ft:")
	switch {
	case strings.HasPrefix(m, "gpt-4o"), strings.HasPrefix(m, "chatgpt-4o"),
		strings.HasPrefix(m, "gpt-4.1"), strings.HasPrefix(m, "gpt-4.5"),
		strings.HasPrefix(m, "gpt-5"), strings.HasPrefix(m, "gpt-oss"):
		return O200k
	case len(m) >= 2 && m[0] == 'o' && m[1] >= '0' && m[1] <= '9':
		return O200k
	}
	return Cl100k
}

// codecs are built once: building one compiles its split regexp and
// loads a vocabulary of 100k-200k entries.
var codecs struct {
	mu sync.Mutex
	m  map[string]*counter
}

// counter serialises use of a codec; the estimate path is not hot.
type counter struct {
	mu sync.Mutex
	c  tokenizer.Codec
}

func codecFor(encoding string) *counter {
	codecs.mu.Lock()
	defer codecs.mu.Unlock()
	if c := codecs.m[encoding]; c != nil {
		return c
	}
	enc := tokenizer.Cl100kBase
	if encoding == O200k {
		enc = tokenizer.O200kBase
	}
	c, err := tokenizer.Get(enc)
	if err != nil {
		// Both encodings are compiled into the library; this cannot fail.
		panic("tokens: " + string(enc) + ": " + err.Error())
	}
	if codecs.m == nil {
		codecs.m = map[string]*counter{}
	}
	codecs.m[encoding] = &counter{c: c}
	return codecs.m[encoding]
}

// Count returns the number of tokens of text in the model's encoding.
// Special-token text such as "<|endoftext|>" counts as ordinary text, as
// it does when a user sends it.
func Count(model, text string) int {
	if text == "" {
		return 0
	}
	c := codecFor(EncodingFor(model))
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.c.Count(text)
	if err != nil {
		// The split regexp only fails on a timeout, which is not set;
		// fall back on OpenAI's rule of thumb of 4 bytes a token.
		return (len(text) + 3) / 4
	}
	return n
}

// Package fuzzmod imports what the fuzz inputs may import, so that its
// module lists them.
package fuzzmod

import (
	_ "github.com/sashabaranov/go-openai"
	_ "github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

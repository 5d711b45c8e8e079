// Package fuzzmod imports what the fuzz inputs may import, so that its
// module lists them.
package fuzzmod

import (
	_ "github.com/openai/openai-go/v3"
	_ "github.com/openai/openai-go/v3/azure"
	_ "github.com/openai/openai-go/v3/option"
	_ "github.com/openai/openai-go/v3/responses"
	_ "github.com/sashabaranov/go-openai"
	_ "github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

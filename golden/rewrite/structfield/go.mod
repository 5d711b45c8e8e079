// Case structfield: a client in a struct field, built in cmd/app and used from package llm.
module example.com/structfield

go 1.19

require github.com/sashabaranov/go-openai v1.43.0

require github.com/wbinstrument/wbinstrument/runtime v0.0.0-00010101000000-000000000000 // wbinstrument

replace github.com/wbinstrument/wbinstrument/runtime => $WBI/runtime // wbinstrument

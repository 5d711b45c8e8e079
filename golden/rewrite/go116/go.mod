module example.com/go116

go 1.18 // wbinstrument: was go 1.16

require (
	example.com/a v0.0.0
	github.com/sashabaranov/go-openai v1.43.0
)

replace (
	example.com/a => ./_deps/a
	example.com/b => ./_deps/b
)

require github.com/wbinstrument/wbinstrument/runtime v0.0.0-00010101000000-000000000000 // wbinstrument

replace github.com/wbinstrument/wbinstrument/runtime => $WBI/runtime // wbinstrument

require example.com/b v0.0.0 // indirect; wbinstrument

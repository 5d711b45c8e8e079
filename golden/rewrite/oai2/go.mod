module example.com/oai2

go 1.22

require github.com/openai/openai-go/v2 v2.7.1

require (
	github.com/tidwall/gjson v1.14.4 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.1 // indirect
	github.com/tidwall/sjson v1.2.5 // indirect
)

require github.com/wbinstrument/wbinstrument/runtime v0.0.0-00010101000000-000000000000 // wbinstrument

replace github.com/wbinstrument/wbinstrument/runtime => $WBI/runtime // wbinstrument

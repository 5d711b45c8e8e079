module example.com/oai1

go 1.22

require github.com/openai/openai-go v0.1.0-beta.2

require (
	github.com/Azure/azure-sdk-for-go/sdk/azcore v1.17.0 // indirect
	github.com/Azure/azure-sdk-for-go/sdk/internal v1.10.0 // indirect
	github.com/tidwall/gjson v1.14.4 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.1 // indirect
	github.com/tidwall/sjson v1.2.5 // indirect
	golang.org/x/net v0.34.0 // indirect
	golang.org/x/text v0.21.0 // indirect
)

require github.com/wbinstrument/wbinstrument/runtime v0.0.0-00010101000000-000000000000 // wbinstrument

replace github.com/wbinstrument/wbinstrument/runtime => $WBI/runtime // wbinstrument

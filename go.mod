module github.com/wbinstrument/wbinstrument

go 1.23

require github.com/wbinstrument/wbinstrument/runtime v0.0.0

replace github.com/wbinstrument/wbinstrument/runtime => ./runtime

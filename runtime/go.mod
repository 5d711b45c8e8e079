module github.com/wbinstrument/wbinstrument/runtime

go 1.18

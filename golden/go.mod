// golden/ holds the expected outputs of the rewriter's golden test, not
// packages of wbinstrument: this go.mod makes it a module of its own, so
// that ./... of the root module (go build, go vet) leaves it out, as it
// left out each case while every case held a go.mod of its own. Nothing
// builds it; the golden test compiles each output in a temp copy.
module golden.invalid

go 1.24.0

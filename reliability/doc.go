// Package reliability is wbinstrument's fault-injection suite: it breaks
// the W&B server, the OpenAI server, the disk, the process and the
// rewriter's input on purpose, and checks that no logged call is lost or
// duplicated, that the user's program sees what it would see without
// instrumentation, and that no secret is written anywhere.
//
// Run it with `go test ./reliability -run Fault -v`; every test prints its
// counts and one summary line. Everything runs on 127.0.0.1 and is bounded
// in time.
package reliability

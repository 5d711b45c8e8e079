#!/bin/sh
# Runs every benchmark in bench/ once, each against the baseline it
# measures in the same run, and prints the figures the README's
# Performance section records. Extra arguments go to `go test`
# (e.g. -bench CallOverhead to run one).
set -e
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), $(uname -sr), $(go version | cut -d' ' -f3), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "command: bench/run.sh $*"
start=$(date +%s)
go test ./bench -run '^$' -bench . -benchtime 1x -count 1 -timeout 20m -v "$@" | grep -v -e '^=== RUN' -e '^goos' -e '^goarch' -e '^pkg:' -e '^cpu:'
echo "total: $(( $(date +%s) - start ))s"
# The same chat call on openai-go v3 (its own module, so that only it
# requires openai-go): latency ratio on loopback and the caller's
# allocations, plain against instrumented.
(cd internal/openaigo/testdata/bench && GOWORK=off GOFLAGS=-mod=mod go test -run '^$' -bench . -benchtime 1x -count 1 -timeout 20m -v) | grep -v -e '^=== RUN' -e '^goos' -e '^goarch' -e '^pkg:' -e '^cpu:'
echo "total with openai-go: $(( $(date +%s) - start ))s"

# zoo-dev: the two commands are `make run` and `make test`.
GO      ?= go
BIN     := bin/zoo-dev
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: build run test cross fuzz bench bench-deps lint cover clean

# The other platforms: built and vetted here, not run (see the README's "Supported platforms").
CROSS := windows/amd64 windows/arm64 darwin/amd64 darwin/arm64

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

## run: build zoo-dev and run the sample app in the dashboard
run: build
	./$(BIN) sample

## test: the whole suite, the end-to-end tests again over TCP (the Windows transport), the
## fuzzers for a few seconds each, the linters, and the builds for the other platforms
test: build lint cross
	$(GO) test -count=1 -timeout 20m ./...
	ZOO_DEV_TRANSPORT=tcp $(GO) test -count=1 -timeout 20m .
	$(MAKE) fuzz

## cross: build and vet for every target in CROSS. The tests drive unix-only system calls, so
## off Linux and macOS only the product's files are vetted, package by package.
cross:
	@set -e; for t in $(CROSS); do \
		os=$${t%/*}; arch=$${t#*/}; echo "cross: $$os/$$arch"; \
		GOOS=$$os GOARCH=$$arch $(GO) build ./...; \
		if [ $$os = darwin ]; then GOOS=$$os GOARCH=$$arch $(GO) vet ./...; continue; fi; \
		GOOS=$$os GOARCH=$$arch $(GO) list -f '{{.Dir}} {{join .GoFiles " "}}' ./... | \
		while read -r dir files; do \
			[ -z "$$files" ] || (cd "$$dir" && GOOS=$$os GOARCH=$$arch $(GO) vet $$files); \
		done; \
	done

## fuzz: each fuzzer for FUZZ_EXECS inputs (a few seconds each). A count, not a time: Go 1.26's
## fuzzing coordinator can report "context deadline exceeded" as a failure when a -fuzztime
## duration ends while a worker is busy, which a loaded machine makes likely.
FUZZ_EXECS ?= 20000
fuzz:
	$(GO) test ./config -run '^$$' -fuzz '^FuzzLoadWebConfig$$' -fuzztime $(FUZZ_EXECS)x
	$(GO) test ./config -run '^$$' -fuzz '^FuzzLoadTOML$$' -fuzztime $(FUZZ_EXECS)x
	$(GO) test ./proxy/fcgi -run '^$$' -fuzz '^FuzzRecordReader$$' -fuzztime $(FUZZ_EXECS)x
	$(GO) test ./proxy/fcgi -run '^$$' -fuzz '^FuzzParams$$' -fuzztime $(FUZZ_EXECS)x
	$(GO) test ./proxy -run '^$$' -fuzz '^FuzzFraming$$' -fuzztime $(FUZZ_EXECS)x

## bench-deps: the reference tools the benchmarks compare against (Debian packages)
bench-deps:
	apt-get update
	apt-get install -y wrk nginx-light gunicorn uwsgi uwsgi-plugin-python3 python3-flask python3-django

## bench: zoo-dev side by side with nginx, gunicorn, uWSGI and the dev servers
bench: build
	ZOO_BENCH=1 $(GO) test -count=1 -timeout 15m -run '^TestBench' -v ./testdata/bench

## cover: the end-to-end tests on a zoo-dev built with -cover, then the root package's coverage
COVERDIR := bin/cover
cover:
	rm -rf $(COVERDIR) && mkdir -p $(COVERDIR)
	GOCOVERDIR=$(abspath $(COVERDIR)) $(GO) test -count=1 -timeout 20m -run '$(or $(RUN),.)' .
	$(GO) tool covdata percent -i $(COVERDIR) -pkg github.com/zoo-dev/zoo-dev

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin

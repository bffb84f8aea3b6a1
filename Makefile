# zoo-dev: the two commands are `make run` and `make test`.
GO      ?= go
BIN     := bin/zoo-dev
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: build run test fuzz bench bench-deps lint clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

## run: build zoo-dev and run the sample app in the dashboard
run: build
	./$(BIN) sample

## test: the whole suite, the fuzzers for a few seconds each, and the linters
test: build lint
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) fuzz

fuzz:
	$(GO) test ./config -run '^$$' -fuzz '^FuzzLoadWebConfig$$' -fuzztime 4s
	$(GO) test ./config -run '^$$' -fuzz '^FuzzLoadTOML$$' -fuzztime 4s
	$(GO) test ./proxy/fcgi -run '^$$' -fuzz '^FuzzRecordReader$$' -fuzztime 4s
	$(GO) test ./proxy/fcgi -run '^$$' -fuzz '^FuzzParams$$' -fuzztime 4s
	$(GO) test ./proxy -run '^$$' -fuzz '^FuzzFraming$$' -fuzztime 4s

## bench-deps: the reference tools the benchmarks compare against (Debian packages)
bench-deps:
	apt-get update
	apt-get install -y wrk nginx-light gunicorn uwsgi uwsgi-plugin-python3 python3-flask python3-django

## bench: zoo-dev side by side with nginx, gunicorn, uWSGI and the dev servers
bench: build
	ZOO_BENCH=1 $(GO) test -count=1 -timeout 15m -run '^TestBench' -v ./testdata/bench

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin

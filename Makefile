# otelcol-higress — everything a newcomer or CI needs is a target here.
# Tools (ocb, mdatagen) are Go tool dependencies in go.mod: `go tool` builds
# them from the module proxy, so a fresh machine needs only Go.

GO        ?= go
BIN       := bin/otelcol-higress
CONFIG    ?= config/local.yaml
GENDIR    := cmd/otelcol
PKGS      := ./...
TEST_FLAGS ?= -count=1 -timeout 20m
GOFILES   = $(shell git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bin/*')

.PHONY: all build run test test-unit test-plugin plugin image push plugin-image chromium tidb test-reliability bench-e2e bench-compare lint generate check-generated mdatagen fuzz bench docker tidy clean

all: build

## build: compile the collector distribution to bin/otelcol-higress
build:
	$(GO) build -trimpath -o $(BIN) ./$(GENDIR)

## run: build and run the collector with $(CONFIG); MYSQL_DSN set → that
## database, unset → an embedded MySQL 8 dialect server (bin/devrun)
run: build
	$(GO) build -o bin/devrun ./cmd/devrun
	./bin/devrun -- ./$(BIN) --config $(CONFIG)

## test: generated code up to date, lint, the images (their test opens them), then
## every test (fuzz seed corpora included) and the gateway plugin's tests
test: check-generated lint image test-unit test-plugin

test-unit: tidb
	$(GO) test $(TEST_FLAGS) $(PKGS)

## plugin: build the gateway plugin (plugin/, its own Go module) to bin/plugin.wasm
PLUGIN_WASM := bin/plugin.wasm
plugin:
	cd plugin && GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -o $(CURDIR)/$(PLUGIN_WASM) .

## test-plugin: the plugin's tests in wasm-go's test host, in Go mode and, for the
## main scenarios, in Wasm mode with bin/plugin.wasm
test-plugin: plugin
	cd plugin && PLUGIN_WASM=$(CURDIR)/$(PLUGIN_WASM) $(GO) test $(TEST_FLAGS) ./...

## image: the collector's and the plugin's OCI images, built with go-containerregistry
## (no Docker): bin/images/otelcol-higress (OCI layout, one image per platform in
## PLATFORMS; plus a tarball per platform for docker load / kind load image-archive)
## and bin/images/otelcol-log-pusher (the layout Higress pulls: one layer, plugin.wasm)
VERSION   ?= $(shell sed -n 's/^appVersion: *"*\([^"]*\)"*$$/\1/p' deploy/helm/otelcol-higress/Chart.yaml)
PLATFORMS ?= linux/$(shell $(GO) env GOARCH)
image: plugin
	$(GO) run ./cmd/image build -version $(VERSION) -platforms $(PLATFORMS) -out bin/images

## push: push both images to REGISTRY (e.g. ghcr.io/you) as otelcol-higress:VERSION and
## otelcol-log-pusher:VERSION; credentials from REGISTRY_USERNAME/REGISTRY_PASSWORD or
## ~/.docker/config.json; INSECURE=1 for a plain-HTTP registry
push: image
	@test -n "$(REGISTRY)" || { echo "usage: make push REGISTRY=ghcr.io/you [VERSION=…] [PLATFORMS=linux/amd64,linux/arm64]"; exit 2; }
	$(GO) run ./cmd/image push -registry $(REGISTRY) -version $(VERSION) -dir bin/images $(if $(INSECURE),-insecure)

## plugin-image: the plugin's image with a Docker engine instead (`make image` needs none)
PLUGIN_IMAGE ?= otelcol-log-pusher:dev
plugin-image:
	docker build -f deploy/higress/Dockerfile -t $(PLUGIN_IMAGE) plugin

## chromium: install Debian's chromium (root, apt) for the log explorer's browser
## test; without it that test skips, unless CI is set (.ci/run sets it)
chromium:
	.ci/install-chromium

## tidb: bin/tidb-server, the real TiDB the tests start (internal/mysqltest): the
## version pinned in tools/tidb/go.mod, built with `go build` from the Go module
## proxy. Rebuilt only when tools/tidb/go.mod or go.sum change (bin/tidb-server.pin
## records which): ~10 CPU-minutes and ~240 MB the first time (README, "Databases").
TIDB_SERVER := bin/tidb-server
tidb:
	@pin=$$(cat tools/tidb/go.mod tools/tidb/go.sum | sha256sum | cut -c1-16); \
	if [ -x $(TIDB_SERVER) ] && [ "$$(cat $(TIDB_SERVER).pin 2>/dev/null)" = "$$pin" ]; then \
		echo "$(TIDB_SERVER) is up to date (pin $$pin)"; exit 0; fi; \
	echo "building $(TIDB_SERVER) from tools/tidb/go.mod (pin $$pin)"; \
	cd tools/tidb && $(GO) build -trimpath -o $(CURDIR)/$(TIDB_SERVER) github.com/pingcap/tidb/cmd/tidb-server && \
	echo $$pin > $(CURDIR)/$(TIDB_SERVER).pin

## test-reliability: the long reliability cases (30 s DB outage, 30 s 10× overload, …) against
## the real binary and MariaDB (MYSQL_TEST_DSN); the short ones run in `make test`
test-reliability:
	RELIABILITY_LONG=1 $(GO) test -count=1 -timeout 30m -v ./test/reliability/

## lint: gofmt, go vet (the plugin's module too; its wasip1 build is make plugin) and golangci-lint (.golangci.yml: unused). The linter
## is built from the module proxy at the pinned version, so a clean machine
## needs only Go; `go run` caches the build after the first time.
GOLANGCI_LINT ?= $(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
lint:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GOLANGCI_LINT) run $(PKGS)
	cd plugin && $(GO) vet ./...

## generate: regenerate cmd/otelcol with ocb and internal/metadata with mdatagen
generate: mdatagen
	rm -rf .gen && $(GO) tool builder --config builder-config.yaml --skip-compilation --skip-get-modules --output-path .gen >/dev/null
	gofmt -w .gen/*.go
	cp .gen/*.go $(GENDIR)/ && rm -rf .gen

mdatagen:
	@for m in $$(git ls-files '*/metadata.yaml' 2>/dev/null || find . -name metadata.yaml -not -path './.gen/*'); do \
		echo "mdatagen $$m"; $(GO) tool mdatagen $$m || exit 1; done

## check-generated: fail when cmd/otelcol differs from what builder-config.yaml generates
check-generated:
	@rm -rf .gen && $(GO) tool builder --config builder-config.yaml --skip-compilation --skip-get-modules --output-path .gen >/dev/null 2>&1 \
		|| { echo "ocb failed"; exit 1; }
	@gofmt -w .gen/*.go
	@for f in .gen/*.go; do \
		if ! cmp -s $$f $(GENDIR)/$$(basename $$f); then \
			echo "$(GENDIR)/$$(basename $$f) is stale: run 'make generate' and commit"; rm -rf .gen; exit 1; fi; done
	@rm -rf .gen; echo "cmd/otelcol is up to date"

## fuzz: run each fuzz target for FUZZTIME (default 30s), the plugin's too
FUZZTIME ?= 30s
fuzz: plugin
	$(GO) test ./receiver/higresslogreceiver -run '^$$' -fuzz FuzzDecodeBody -fuzztime $(FUZZTIME)
	$(GO) test ./receiver/higresslogreceiver -run '^$$' -fuzz FuzzDecodeMatchesEncodingJSON -fuzztime $(FUZZTIME)
	$(GO) test ./processor/ailogprocessor -run '^$$' -fuzz FuzzAILog -fuzztime $(FUZZTIME)
	$(GO) test ./internal/accesslog -run '^$$' -fuzz FuzzParseObject -fuzztime $(FUZZTIME)
	$(GO) test ./internal/accesslog -run '^$$' -fuzz FuzzJSONWriterMatchesAsString -fuzztime $(FUZZTIME)
	$(GO) test ./extension/accesslogqueryextension -run '^$$' -fuzz FuzzDecodeCursor -fuzztime $(FUZZTIME)
	$(GO) test ./extension/accesslogqueryextension -run '^$$' -fuzz FuzzParseTime -fuzztime $(FUZZTIME)
	$(GO) test ./extension/accesslogqueryextension -run '^$$' -fuzz FuzzParseInterval -fuzztime $(FUZZTIME)
	$(GO) test ./extension/accesslogqueryextension -run '^$$' -fuzz FuzzParseCoverage -fuzztime $(FUZZTIME)
	cd plugin && PLUGIN_WASM=$(CURDIR)/$(PLUGIN_WASM) $(GO) test . -run '^$$' -fuzz FuzzSniffer -fuzztime $(FUZZTIME)
	cd plugin && PLUGIN_WASM=$(CURDIR)/$(PLUGIN_WASM) $(GO) test . -run '^$$' -fuzz FuzzShapeAILog -fuzztime $(FUZZTIME)

## bench: benchmarks; record the numbers in BENCHMARKS.md
bench: plugin
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	cd plugin && PLUGIN_WASM=$(CURDIR)/$(PLUGIN_WASM) $(GO) test . -run '^$$' -bench . -benchmem
	$(MAKE) bench-e2e

## bench-e2e: the built distribution against MariaDB (MYSQL_TEST_DSN) and the sink's own
## limit in the same run, and the TiDB sanity case against bin/tidb-server (-tidb);
## rewrites its section of BENCHMARKS.md
BENCH_FLAGS ?= -duration 15s -tidb
bench-e2e: build tidb
	$(GO) run ./cmd/bench -bin $(BIN) -build=false $(BENCH_FLAGS) -write BENCHMARKS.md

## bench-compare: bench-e2e with every case also run by the collector of git ref BASE
## (built from `git archive`), right before the same case with this tree's, in one
## interleaved run: `make bench-compare BASE=main~3 BENCH_FLAGS='-only "c=16" -topology split'`
bench-compare: build
	@test -n "$(BASE)" || { echo "usage: make bench-compare BASE=<git ref> [BENCH_FLAGS=…]"; exit 2; }
	rm -rf bin/base-src && mkdir -p bin/base-src
	git archive $(BASE) | tar -x -C bin/base-src
	cd bin/base-src && $(GO) build -trimpath -o $(CURDIR)/bin/otelcol-higress-base ./$(GENDIR)
	$(GO) run ./cmd/bench -bin $(BIN) -build=false -baseline-bin bin/otelcol-higress-base $(BENCH_FLAGS)

## docker: build the container image (needs a Docker engine; none runs on the dev machines)
IMAGE ?= otelcol-higress:dev
docker:
	docker build -t $(IMAGE) .

tidy:
	$(GO) mod tidy
	cd plugin && $(GO) mod tidy

clean:
	rm -rf bin .gen

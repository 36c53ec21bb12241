# Sluice developer targets. `make test` is the command CI runs.
GO ?= go
LINT := $(GO) tool -modfile=tools/lint/go.mod golangci-lint
FUZZTIME ?= 30s

.PHONY: test lint bench fuzz orders tidy-check

test:
	$(GO) test -race -shuffle=on ./...

lint:
	$(LINT) run ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	cd benchmarks && $(GO) test -run '^$$' -bench . -benchmem ./...

# Each fuzz target runs for FUZZTIME.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./rules
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) ./connectors/csvconnector
	$(GO) test -run '^$$' -fuzz '^FuzzRecordReader$$' -fuzztime $(FUZZTIME) ./connectors/csvconnector
	$(GO) test -run '^$$' -fuzz '^FuzzCompileSchema$$' -fuzztime $(FUZZTIME) ./rules
	$(GO) test -run '^$$' -fuzz '^FuzzEscape$$' -fuzztime $(FUZZTIME) ./internal/textsafe
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) ./connectors/jsonconnector
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) ./connectors/parquetconnector
	$(GO) test -run '^$$' -fuzz '^FuzzDifferential$$' -fuzztime $(FUZZTIME) ./rules/engine
	$(GO) test -run '^$$' -fuzz '^FuzzDFA$$' -fuzztime $(FUZZTIME) ./rules/engine
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./rules/metrics
	$(GO) test -run '^$$' -fuzz '^FuzzDetectors$$' -fuzztime $(FUZZTIME) ./rules/pii

# Regenerate testdata/orders from its seed.
orders:
	$(GO) run ./internal/cmd/genorders -out testdata/orders

tidy-check:
	$(GO) mod tidy -diff

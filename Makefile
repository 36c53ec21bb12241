# Sluice developer targets. `make test` is the command CI runs.
GO ?= go
LINT := $(GO) tool -modfile=tools/lint/go.mod golangci-lint
FUZZTIME ?= 30s
FUZZMINIMIZETIME ?= 0

.PHONY: test lint bench fuzz messy orders tidy-check

test:
	$(GO) test -race -shuffle=on ./...

lint:
	$(LINT) run ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	cd benchmarks && $(GO) test -run '^$$' -bench . -benchmem ./...

# Each fuzz target runs for FUZZTIME. The fuzzer minimizes every input that
# finds new coverage, for up to FUZZMINIMIZETIME and in time quadratic in its
# length, and a worker that minimizes does not fuzz: with Go's default of 60 s
# a brief run of a target whose inputs are files of a few KiB does little but
# minimize. Brief runs skip minimization (failing inputs are kept as found);
# give FUZZMINIMIZETIME=60s to a long run to get minimized failing inputs.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./rules
	$(GO) test -run '^$$' -fuzz '^FuzzCompileSchema$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./rules
	$(GO) test -run '^$$' -fuzz '^FuzzPartialUnmarshal$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./rules
	$(GO) test -run '^$$' -fuzz '^FuzzParsesDate$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./rules/textfmt
	$(GO) test -run '^$$' -fuzz '^FuzzDifferential$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./rules/engine
	$(GO) test -run '^$$' -fuzz '^FuzzDFA$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./rules/engine
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./rules/metrics
	$(GO) test -run '^$$' -fuzz '^FuzzDetectors$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./rules/pii
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./connectors/csvconnector
	$(GO) test -run '^$$' -fuzz '^FuzzRecordReader$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./connectors/csvconnector
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./connectors/jsonconnector
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./connectors/parquetconnector
	$(GO) test -run '^$$' -fuzz '^FuzzFooter$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./connectors/parquetconnector
	$(GO) test -run '^$$' -fuzz '^FuzzPages$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./connectors/parquetconnector
	$(GO) test -run '^$$' -fuzz '^FuzzIPC$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./connectors/arrowconnector
	$(GO) test -run '^$$' -fuzz '^FuzzEscape$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./internal/textsafe
	$(GO) test -run '^$$' -fuzz '^FuzzImport$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./importers/dbt
	$(GO) test -run '^$$' -fuzz '^FuzzSQL$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./importers/dbt

# Regenerate testdata/messy from its generator.
messy:
	$(GO) run ./internal/cmd/genmessy -out testdata/messy

# Regenerate testdata/orders from its seed.
orders:
	$(GO) run ./internal/cmd/genorders -out testdata/orders

tidy-check:
	$(GO) mod tidy -diff

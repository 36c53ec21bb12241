// Command sluice checks datasets against rule files and gates their writes.
//
// Usage:
//
//	sluice check --rules R.yaml [--out PATH] [--quarantine PATH] [--format text|json|junit] [--strict] [--history DSN | --no-history] INPUT…
//	sluice bench --rules R.yaml [INPUT… | --rows N] [--workers 1,2,…] [--engine auto,interpreter] [--reps R] [--format text|json]
//	sluice rules validate [--input DATA] R.yaml
//	sluice schema INPUT
//	sluice lineage show [--file PATH] [--format text|dot|mermaid]
//	sluice history [--history DSN] DATASET [METRIC]
//	sluice audit log [--history DSN] [--dataset NAME] [--format text|json]
//	sluice audit verify [--history DSN]
//	sluice docs [--history DSN] [--lineage FILE] --out DIR
//	sluice version
//
// sluice check records every run in a history store, .sluice/history.db
// under the working directory unless --history moves it or --no-history
// turns it off; the history and audit commands read the same default.
//
// Exit codes: 0 the gate passed (or warned), 1 the gate failed, 2 invalid
// rules or arguments, 3 a runtime error (I/O, corrupt input).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sluicedata/sluice/internal/textsafe"
	"github.com/sluicedata/sluice/rules"
)

// Exit codes, as documented in DESIGN.md.
const (
	exitPass    = 0
	exitFail    = 1
	exitUsage   = 2
	exitRuntime = 3
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli carries the streams of one invocation.
type cli struct {
	stdout, stderr io.Writer
	// isTerminal reports whether stderr is a terminal (progress lines).
	isTerminal bool
}

const usage = `sluice — data quality gates and lineage for pipelines

Usage:
  sluice check --rules R.yaml [flags] INPUT…   check datasets against a rule file
  sluice bench --rules R.yaml [flags] INPUT…|--rows N  measure a rule set's throughput on data or synthetic rows
  sluice rules validate [--input DATA] R.yaml   validate a rule file
  sluice schema INPUT                          print a dataset's schema and a starter rule file
  sluice import gx|soda [flags] FILE           translate Great Expectations or Soda checks into a rule file
  sluice suggest [flags] INPUT                 propose rules that describe a dataset
  sluice scan [--sample N] INPUT               find personal data in string columns and suggest pii.* tags
  sluice lineage show [flags]                  draw the recorded lineage: datasets → runs → datasets
  sluice history [--history DSN] DATASET [METRIC]  show recorded metric series with a terminal plot
  sluice audit log|verify [--history DSN]      list the audit trail of gate decisions, or verify its hash chain
  sluice docs --out DIR [--history DSN] [--lineage FILE]  write a static site: datasets, runs, metric charts, lineage graph
  sluice version                               print the version

Inputs: .parquet, .csv, .tsv, .json, .ndjson, .jsonl, .arrow, .arrows, .ipc, .feather.
Run 'sluice check -h' for the flags of check. sluice check records its runs in
.sluice/history.db (--history DSN moves the store, --no-history turns it off).

Exit codes: 0 pass (or warn), 1 gate failed, 2 invalid rules or arguments, 3 runtime error.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr, isTerminal: isTerminal(stderr)}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	code := exitPass
	switch args[0] {
	case "check":
		code, err = c.check(ctx, args[1:])
	case "bench":
		code, err = c.bench(ctx, args[1:])
	case "rules":
		if len(args) < 2 || args[1] != "validate" {
			err = usageErrorf("usage: sluice rules validate [--input DATA] R.yaml")
			break
		}
		code, err = c.validate(ctx, args[2:])
	case "schema":
		code, err = c.schema(ctx, args[1:])
	case "import":
		code, err = c.importRules(ctx, args[1:])
	case "suggest":
		code, err = c.suggest(ctx, args[1:])
	case "scan":
		code, err = c.scan(ctx, args[1:])
	case "lineage":
		code, err = c.lineageCmd(ctx, args[1:])
	case "audit":
		code, err = c.audit(ctx, args[1:])
	case "history":
		code, err = c.historyCmd(ctx, args[1:])
	case "docs":
		code, err = c.docsCmd(ctx, args[1:])
	case "version", "--version":
		fmt.Fprintln(stdout, "sluice", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = usageErrorf("unknown command %q\n\n%s", args[0], usage)
	}
	if err != nil {
		return c.fail(err)
	}
	return code
}

// usageError marks errors in the command line (exit 2); err, when set, is
// the sentinel it wraps.
type usageError struct {
	msg string
	err error
}

func (e *usageError) Error() string { return e.msg }

func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// fail prints err and returns its exit code.
func (c *cli) fail(err error) int {
	fmt.Fprintf(c.stderr, "sluice: %s\n", errorText(err))
	return exitCode(err)
}

// errorText is err's message made safe for a terminal (internal/textsafe):
// one line, except where lines are the message's structure — the usage
// texts of the command line and the problems of a rule file, one per line
// with CEL's caret under the expression. Rule names and file names inside
// those problems are escaped to one line each.
func errorText(err error) string {
	msg := err.Error()
	var ue *usageError
	if errors.As(err, &ue) {
		return textsafe.EscapeLines(msg)
	}
	var problems rules.Errors
	if !errors.As(err, &problems) || len(problems) == 0 {
		return textsafe.Escape(msg)
	}
	whole := problems.Error()
	at := strings.Index(msg, whole)
	if at < 0 {
		return textsafe.Escape(msg)
	}
	n := min(len(problems), rules.MaxShownProblems)
	lines := make([]string, n, n+1)
	for i, p := range problems[:n] {
		p.File, p.Rule = textsafe.Escape(p.File), textsafe.Escape(p.Rule)
		lines[i] = textsafe.EscapeLines(p.String())
	}
	if len(problems) > n {
		lines = append(lines, fmt.Sprintf("… and %d more problems", len(problems)-n))
	}
	return textsafe.Escape(msg[:at]) + strings.Join(lines, "\n") + textsafe.EscapeLines(msg[at+len(whole):])
}

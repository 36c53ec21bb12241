//go:build unix

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/hostile"
)

// TestHostile runs every case of the hostile-input corpus through the CLI
// and holds it to the promises of docs/security.md: the right exit code,
// one line on stderr, no panic, no hang, no file left behind but the
// expected outputs, no planted personal data in any output (streams,
// lineage file, OTLP spans, history database).
//
// Each case runs run() in-process, in a child process of the test binary:
// a Go runtime fatal error (out of memory) cannot be recovered, and must
// fail its case, not end the whole table. The parent also reads the
// child's peak memory.
func TestHostile(t *testing.T) {
	cases := hostileCases()
	if name := os.Getenv(hostileChildEnv); name != "" {
		for _, c := range cases {
			if c.name == name {
				t.Run(c.name, func(t *testing.T) { runHostileCase(t, c) })
				return
			}
		}
		t.Fatalf("no hostile case %q", name)
	}
	names := map[string]bool{}
	for _, c := range cases {
		require.False(t, names[c.name], "duplicate case %s", c.name)
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) { runHostileChild(t, c) })
	}
}

const hostileChildEnv = "SLUICE_HOSTILE_CASE"

// hostileCase is one hostile input and the answer Sluice owes it.
type hostileCase struct {
	name string
	// setup writes the inputs into the case's directory (the working
	// directory of the run) and may start helpers.
	setup func(t *testing.T, e *hostileEnv)
	args  []string
	// exit lists the acceptable exit hostileCodes.
	exit []int
	// warnings is the number of "sluice: warning: …" lines a run that
	// does not exit 2 or 3 prints (0 by default).
	warnings int
	// mention must appear in the error line (a file name, a flag).
	mention string
	// problems allows an invalid rule file (exit 2) to be reported with
	// one line per problem, as rules.Errors does, within a bound.
	problems bool
	// planted values must appear in no output.
	planted []string
	// outputs may be created by the run (beside the lineage file and the
	// history database); removed must be gone after it.
	outputs, removed []string
	// bound is how long the run may take (default 20s); cancelAfter
	// cancels its context early (a blocked open must still return).
	bound, cancelAfter time.Duration
	// maxRSS bounds the peak memory of the case's process (default 1 GiB).
	maxRSS int64
	// env is set for the case.
	env map[string]string
	// then runs after the case, each with exit 0 and the same checks on
	// its streams.
	then [][]string
	// check makes further assertions on the result.
	check func(t *testing.T, r *hostileResult)
}

// hostileEnv is the running case: its directory and helpers.
type hostileEnv struct {
	dir        string
	lineageURL string // of hostileSilentLineage
}

func (e *hostileEnv) write(t *testing.T, name string, data []byte) {
	t.Helper()
	p := filepath.Join(e.dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, data, 0o644))
}

func (e *hostileEnv) writeWith(t *testing.T, name string, fill func(io.Writer) error) {
	t.Helper()
	f, err := os.Create(filepath.Join(e.dir, name))
	require.NoError(t, err)
	require.NoError(t, fill(f))
	require.NoError(t, f.Close())
}

type hostileResult struct {
	code           int
	stdout, stderr string
}

// Rule hostileFiles the cases share.
const (
	hostileRowCount = "version: 1\ndataset: d\nowner: o@example.com\nrules:\n  - name: rows\n    check: row_count() >= 0\n"
	hostileNameRule = "version: 1\ndataset: d\nowner: o@example.com\nrules:\n  - name: rows\n    check: row_count() >= 0\n  - name: named\n    expr: size(name) > 0\n"
	hostileAPos     = "version: 1\ndataset: d\nowner: o@example.com\nrules:\n  - name: a_positive\n    expr: a > 0\n"
	hostileCSV      = "a,b\n1,x\n2,y\n"
	hostileMaskKey  = "hostile-test-hmac-key-0123456789abcdef"
)

// hostileFiles returns a setup writing the given hostileFiles.
func hostileFiles(kv ...string) func(*testing.T, *hostileEnv) {
	return func(t *testing.T, e *hostileEnv) {
		for i := 0; i+1 < len(kv); i += 2 {
			e.write(t, kv[i], []byte(kv[i+1]))
		}
	}
}

// hostileWithFile returns a setup writing name from a builder of the corpus.
func hostileWithFile(name string, build func() ([]byte, error), more ...string) func(*testing.T, *hostileEnv) {
	return func(t *testing.T, e *hostileEnv) {
		data, err := build()
		require.NoError(t, err)
		e.write(t, name, data)
		hostileFiles(more...)(t, e)
	}
}

func hostileCodes(c ...int) []int { return c }

func hostileCases() []hostileCase {
	var cs []hostileCase
	add := func(c ...hostileCase) { cs = append(cs, c...) }

	// Files that lie about their sizes, through every command that reads
	// them.
	binaries := []struct {
		name  string
		build func() ([]byte, error)
	}{
		{"schema-list-huge.parquet", func() ([]byte, error) { return hostile.ParquetSchemaListLength(hostile.HugeLength) }},
		{"truncated-footer.parquet", hostile.ParquetTruncatedFooter},
		{"bad-magic.parquet", hostile.ParquetBadMagic},
		{"page-size-huge.parquet", hostile.ParquetHugePageSize},
		{"schema-vector-huge.arrow", hostile.ArrowFileHugeVector},
		{"schema-vector-huge.arrows", hostile.ArrowStreamHugeVector},
		{"truncated.arrows", hostile.ArrowStreamTruncated},
	}
	for _, b := range binaries {
		commands := map[string][]string{
			"check":   {"check", "--rules", "r.yaml", b.name},
			"scan":    {"scan", b.name},
			"suggest": {"suggest", b.name},
		}
		// The schema command reads only the footer and the schema: the
		// damage of these two lies in the pages and the batches.
		if b.name != "page-size-huge.parquet" && b.name != "truncated.arrows" {
			commands["schema"] = []string{"schema", b.name}
			commands["validate"] = []string{"rules", "validate", "--input", b.name, "r.yaml"}
		}
		for _, cmd := range []string{"check", "schema", "scan", "suggest", "validate"} {
			args, ok := commands[cmd]
			if !ok {
				continue
			}
			rules := hostileRowCount
			if cmd == "check" {
				// row_count() alone is answered from the footer: a rule
				// that reads the column makes check decode the pages.
				rules = hostileNameRule
			}
			add(hostileCase{
				name:    b.name + "/" + cmd,
				setup:   hostileWithFile(b.name, b.build, "r.yaml", rules),
				args:    args,
				exit:    hostileCodes(exitRuntime),
				mention: b.name,
			})
		}
	}
	add(hostileCase{
		name:    "schema-list-huge.parquet/missing_references-target",
		setup:   hostileWithFile("ref.parquet", func() ([]byte, error) { return hostile.ParquetSchemaListLength(hostile.HugeLength) }, "in.csv", hostileCSV, "r.yaml", "version: 1\ndataset: d\nowner: o@example.com\nrules:\n  - name: refs\n    check: missing_references(a, 'ref.parquet', 'id') == 0\n"),
		args:    []string{"check", "--rules", "r.yaml", "in.csv"},
		exit:    hostileCodes(exitRuntime),
		mention: "ref.parquet",
	})

	// More columns than Parquet can hold.
	add(hostileCase{
		name: "wide-csv-to-parquet",
		setup: func(t *testing.T, e *hostileEnv) {
			e.writeWith(t, "wide.csv", func(w io.Writer) error { return hostile.WideCSV(w, hostile.ParquetMaxColumns+2) })
			e.write(t, "r.yaml", []byte("version: 1\ndataset: d\nowner: o@example.com\nrules:\n  - name: c0_positive\n    expr: c0 > 0\n"))
		},
		args:    []string{"check", "--rules", "r.yaml", "--out", "wide.parquet", "wide.csv"},
		exit:    hostileCodes(exitRuntime),
		mention: "wide.parquet",
	})

	// Batch sizes no memory holds.
	for _, n := range []string{"1000000000", "2147483648", "-1"} {
		add(hostileCase{
			name:    "batch-size-" + n + "/check",
			setup:   hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos),
			args:    []string{"check", "--rules", "r.yaml", "--batch-size", n, "in.csv"},
			exit:    hostileCodes(exitUsage),
			mention: n,
		})
	}
	for _, cmd := range []string{"scan", "suggest"} {
		add(hostileCase{
			name:    "batch-size-1000000000/" + cmd,
			setup:   hostileFiles("in.csv", hostileCSV),
			args:    []string{cmd, "--batch-size", "1000000000", "in.csv"},
			exit:    hostileCodes(exitUsage),
			mention: "1000000000",
		})
	}

	// Special hostileFiles and inputs that never end.
	add(hostileCase{
		name: "fifo-with-writer",
		setup: func(t *testing.T, e *hostileEnv) {
			e.write(t, "r.yaml", []byte(hostileAPos))
			fifo := hostileFIFO(t, e, "in.csv")
			go func() {
				f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				defer f.Close()
				_, _ = io.WriteString(f, hostileCSV)
			}()
		},
		args: []string{"check", "--rules", "r.yaml", "in.csv"},
		exit: hostileCodes(exitPass),
	}, hostileCase{
		name: "fifo-without-writer",
		setup: func(t *testing.T, e *hostileEnv) {
			e.write(t, "r.yaml", []byte(hostileAPos))
			hostileFIFO(t, e, "in.csv")
		},
		args:        []string{"check", "--rules", "r.yaml", "in.csv"},
		exit:        hostileCodes(exitRuntime),
		cancelAfter: time.Second,
		bound:       6 * time.Second,
	}, hostileCase{
		name: "dev-zero-as-csv",
		setup: func(t *testing.T, e *hostileEnv) {
			e.write(t, "r.yaml", []byte(hostileAPos))
			require.NoError(t, os.Symlink("/dev/zero", filepath.Join(e.dir, "zero.csv")))
		},
		args:    []string{"check", "--rules", "r.yaml", "zero.csv"},
		exit:    hostileCodes(exitRuntime),
		mention: "zero.csv",
		maxRSS:  512 << 20,
	}, hostileCase{
		name: "200MB-line-over-max-line-bytes",
		setup: func(t *testing.T, e *hostileEnv) {
			e.write(t, "r.yaml", []byte(hostileAPos))
			e.writeWith(t, "long.csv", func(w io.Writer) error { return hostile.LongLineCSV(w, 200<<20) })
		},
		args:    []string{"check", "--rules", "r.yaml", "--max-line-bytes", "1048576", "long.csv"},
		exit:    hostileCodes(exitRuntime),
		mention: "long.csv",
		maxRSS:  256 << 20,
	}, hostileCase{
		name: "directory-as-input",
		setup: func(t *testing.T, e *hostileEnv) {
			e.write(t, "r.yaml", []byte(hostileAPos))
			require.NoError(t, os.Mkdir(filepath.Join(e.dir, "dir.csv"), 0o755))
		},
		args:    []string{"check", "--rules", "r.yaml", "dir.csv"},
		exit:    hostileCodes(exitRuntime),
		mention: "dir.csv",
	})

	// Malformed text inputs.
	add(hostileCase{
		name:    "csv-unclosed-quote",
		setup:   hostileFiles("unclosed.csv", hostile.UnclosedQuoteCSV, "r.yaml", hostileAPos),
		args:    []string{"check", "--rules", "r.yaml", "unclosed.csv"},
		exit:    hostileCodes(exitRuntime),
		mention: "unclosed.csv",
	}, hostileCase{
		name:    "csv-invalid-utf8-header",
		setup:   hostileFiles("header.csv", hostile.InvalidUTF8HeaderCSV, "r.yaml", hostileAPos),
		args:    []string{"check", "--rules", "r.yaml", "header.csv"},
		exit:    hostileCodes(exitRuntime),
		mention: "header.csv",
	}, hostileCase{
		name:  "csv-nul-bytes",
		setup: hostileFiles("nul.csv", hostile.NULCSV, "r.yaml", "version: 1\ndataset: d\nowner: o@example.com\nrules:\n  - name: no_z\n    expr: \"!b.contains('z')\"\n"),
		args:  []string{"check", "--rules", "r.yaml", "nul.csv"},
		exit:  hostileCodes(exitFail),
		check: assertHostilePlainText,
	}, hostileCase{
		name:    "csv-huge-column-name",
		setup:   hostileFiles("wide-name.csv", string(hostile.HugeColumnNameCSV(1<<20)), "r.yaml", hostileAPos),
		args:    []string{"check", "--rules", "r.yaml", "wide-name.csv"},
		exit:    hostileCodes(exitPass, exitRuntime),
		mention: "wide-name.csv",
		check: func(t *testing.T, r *hostileResult) {
			assert.Less(t, len(r.stdout), 64<<10, "the report does not echo a 1 MiB name")
		},
	}, hostileCase{
		name:    "json-nested-100k",
		setup:   hostileFiles("nested.json", string(hostile.NestedJSON(100_000)), "r.yaml", hostileRowCount),
		args:    []string{"check", "--rules", "r.yaml", "nested.json"},
		exit:    hostileCodes(exitRuntime),
		mention: "nested.json",
	}, hostileCase{
		name:    "ndjson-nested-100k",
		setup:   hostileFiles("nested.ndjson", string(hostile.NestedNDJSON(100_000)), "r.yaml", hostileRowCount),
		args:    []string{"check", "--rules", "r.yaml", "nested.ndjson"},
		exit:    hostileCodes(exitRuntime),
		mention: "nested.ndjson",
	})

	// Hostile rule hostileFiles.
	for _, rf := range []struct {
		name, content string
		exit          []int
	}{
		{"yaml-bomb", hostile.YAMLBomb(9, 10), hostileCodes(exitUsage)},
		{"yaml-bomb-in-tags", hostile.YAMLBombInTags(9, 10), hostileCodes(exitUsage)},
		{"yaml-self-alias", hostile.YAMLSelfAlias, hostileCodes(exitUsage)},
		{"cel-nested-parens-100k", hostile.CELNestedParens(100_000), hostileCodes(exitUsage)},
		{"cel-1MiB-expression", hostile.CELLong(100_000), hostileCodes(exitUsage)},
		// Rejected by the static estimate (2) or stopped at run time (3).
		{"cel-cost-bomb", hostile.CELCostBomb(5, 100), hostileCodes(exitUsage, exitRuntime)},
	} {
		add(hostileCase{
			name:     rf.name,
			setup:    hostileFiles("in.csv", hostileCSV, "hostile.yaml", rf.content),
			args:     []string{"check", "--rules", "hostile.yaml", "in.csv"},
			exit:     rf.exit,
			mention:  "hostile.yaml",
			problems: true,
		}, hostileCase{
			name:     rf.name + "/validate",
			setup:    hostileFiles("hostile.yaml", rf.content),
			args:     []string{"rules", "validate", "hostile.yaml"},
			exit:     rf.exit,
			mention:  "hostile.yaml",
			problems: true,
		})
	}

	// Personal data: planted values of pii.* columns appear in no output.
	emails := append(append([]string{}, hostile.PlantedEmails...), hostile.PlantedMarker)
	for _, hmac := range []bool{false, true} {
		mask, env := "plain", map[string]string(nil)
		if hmac {
			mask, env = "hmac", map[string]string{"SLUICE_MASK_KEY": hostileMaskKey}
		}
		for _, format := range []string{"text", "json", "junit"} {
			suffix := "/" + mask + "/" + format
			add(hostileCase{
				name:    "pii-metrics-history" + suffix,
				setup:   hostileFiles("people.csv", string(hostile.PIIEmailCSV()), "r.yaml", hostile.PIIMetricRules(hmac)),
				args:    []string{"check", "--rules", "r.yaml", "--format", format, "--history", "h.db", "people.csv"},
				exit:    hostileCodes(exitFail),
				planted: emails,
				env:     env,
				then: [][]string{
					{"history", "--history", "h.db", "people"},
					{"audit", "log", "--history", "h.db", "--format", "json"},
				},
				check: hostileRecorded,
			}, hostileCase{
				name:    "pii-error-kinds" + suffix,
				setup:   hostileFiles("people.csv", string(hostile.PIIEmailCSV()), "r.yaml", hostile.PIIErrorRules(hmac)),
				args:    []string{"check", "--rules", "r.yaml", "--format", format, "--history", "h.db", "people.csv"},
				exit:    hostileCodes(exitFail),
				planted: emails,
				env:     env,
				check:   hostileRecorded,
			})
		}
	}

	for _, format := range []string{"text", "json", "junit"} {
		add(hostileCase{
			// A value that does not parse as its declared type fails the
			// row's phone.type: the row is quarantined with the raw text
			// redacted in _sluice_invalid; the value is nowhere.
			name:    "pii-phone-not-int64/" + format,
			setup:   hostileFiles("contacts.csv", string(hostile.PIIPhoneCSV()), "r.yaml", hostile.PIIPhoneRules()),
			args:    []string{"check", "--rules", "r.yaml", "--format", format, "--history", "h.db", "--quarantine", "held.csv", "contacts.csv"},
			exit:    hostileCodes(exitFail),
			outputs: []string{"held.csv"},
			planted: []string{hostile.PlantedPhone},
			check:   hostileRecorded,
		})
	}

	// Outputs that would destroy an input or each other.
	passRef := "version: 1\ndataset: d\nowner: o@example.com\nrules:\n  - name: refs\n    check: missing_references(a, 'ref.csv', 'id') >= 0\n"
	add(hostileCase{
		name:    "out-is-the-input",
		setup:   hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos),
		args:    []string{"check", "--rules", "r.yaml", "--out", "in.csv", "in.csv"},
		exit:    hostileCodes(exitUsage),
		mention: "in.csv",
	}, hostileCase{
		name:    "out-is-the-input-by-another-path",
		setup:   hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos, "sub/keep", "x"),
		args:    []string{"check", "--rules", "r.yaml", "--out", "./sub/../in.csv", "in.csv"},
		exit:    hostileCodes(exitUsage),
		mention: "in.csv",
	}, hostileCase{
		name: "out-is-a-hard-link-to-the-input",
		setup: func(t *testing.T, e *hostileEnv) {
			hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos)(t, e)
			require.NoError(t, os.Link(filepath.Join(e.dir, "in.csv"), filepath.Join(e.dir, "link.csv")))
		},
		args:    []string{"check", "--rules", "r.yaml", "--out", "link.csv", "in.csv"},
		exit:    hostileCodes(exitUsage),
		mention: "link.csv",
	}, hostileCase{
		name: "out-is-a-symlink-to-the-input",
		setup: func(t *testing.T, e *hostileEnv) {
			hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos)(t, e)
			require.NoError(t, os.Symlink("in.csv", filepath.Join(e.dir, "sym.csv")))
		},
		args:    []string{"check", "--rules", "r.yaml", "--out", "sym.csv", "in.csv"},
		exit:    hostileCodes(exitUsage),
		mention: "sym.csv",
	}, hostileCase{
		name:    "out-is-the-quarantine",
		setup:   hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos),
		args:    []string{"check", "--rules", "r.yaml", "--out", "x.csv", "--quarantine", "x.csv", "in.csv"},
		exit:    hostileCodes(exitUsage),
		mention: "x.csv",
	}, hostileCase{
		name:    "quarantine-is-the-input",
		setup:   hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos),
		args:    []string{"check", "--rules", "r.yaml", "--quarantine", "in.csv", "in.csv"},
		exit:    hostileCodes(exitUsage),
		mention: "in.csv",
	}, hostileCase{
		name:    "out-is-a-reference-dataset",
		setup:   hostileFiles("in.csv", hostileCSV, "ref.csv", "id\n1\n2\n", "r.yaml", passRef),
		args:    []string{"check", "--rules", "r.yaml", "--out", "ref.csv", "in.csv"},
		exit:    hostileCodes(exitUsage),
		mention: "ref.csv",
	}, hostileCase{
		name: "stale-temp-file-is-cleaned",
		setup: func(t *testing.T, e *hostileEnv) {
			hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos,
				".clean.csv.tmp-1234567", "left by a killed run",
				".clean.csv.tmp-7654321", "a write still under way",
				"notours.tmp", "someone else's")(t, e)
			old := time.Now().Add(-48 * time.Hour)
			for _, name := range []string{".clean.csv.tmp-1234567", "notours.tmp"} {
				require.NoError(t, os.Chtimes(filepath.Join(e.dir, name), old, old))
			}
		},
		args:    []string{"check", "--rules", "r.yaml", "--out", "clean.csv", "in.csv"},
		exit:    hostileCodes(exitPass),
		outputs: []string{"clean.csv"},
		removed: []string{".clean.csv.tmp-1234567"},
	})
	for _, ext := range []string{"csv", "parquet", "json", "arrow"} {
		out := "clean." + ext
		add(hostileCase{
			name: "output-mode-follows-the-umask/" + ext,
			setup: func(t *testing.T, e *hostileEnv) {
				hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos)(t, e)
				old := syscall.Umask(0o027)
				t.Cleanup(func() { syscall.Umask(old) })
			},
			args:    []string{"check", "--rules", "r.yaml", "--out", out, "in.csv"},
			exit:    hostileCodes(exitPass),
			outputs: []string{out},
			check: func(t *testing.T, _ *hostileResult) {
				fi, err := os.Stat(out)
				require.NoError(t, err)
				assert.Equal(t, fs.FileMode(0o640), fi.Mode().Perm(), "0666 under umask 027")
			},
		})
	}

	// Names that try to forge the text report.
	for _, field := range []string{"owner", "dataset", "name"} {
		add(hostileCase{
			name:  "injection-" + field,
			setup: hostileFiles("in.csv", hostileCSV, "r.yaml", hostile.InjectionRules(field)),
			args:  []string{"check", "--rules", "r.yaml", "in.csv"},
			// Escaped and reported (1), or refused as an invalid rule
			// file (2): never printed raw.
			exit:  hostileCodes(exitFail, exitUsage),
			check: assertHostileNotForged,
		})
	}
	add(hostileCase{
		name:  "injection-partition",
		setup: hostileFiles("in.csv", hostileCSV, "r.yaml", strings.Replace(hostileAPos, "a > 0", "a > 100", 1)),
		args:  []string{"check", "--rules", "r.yaml", "--history", "h.db", "--partition", "p" + hostile.Forged, "in.csv"},
		exit:  hostileCodes(exitFail, exitUsage),
		check: assertHostileNotForged,
	}, hostileCase{
		name:  "injection-column-name/check",
		setup: hostileFiles("in.csv", hostile.InjectionHeaderCSV, "r.yaml", strings.Replace(hostileAPos, "a > 0", "a > 100", 1)),
		args:  []string{"check", "--rules", "r.yaml", "in.csv"},
		exit:  hostileCodes(exitFail),
		check: assertHostileNotForged,
	}, hostileCase{
		name:  "injection-column-name/schema",
		setup: hostileFiles("in.csv", hostile.InjectionHeaderCSV),
		args:  []string{"schema", "in.csv"},
		exit:  hostileCodes(exitPass),
		check: assertHostileNotForged,
	})

	// DSNs: unknown schemes are refused, credentials never printed.
	for _, dsn := range []struct{ name, dsn string }{
		{"postgress-typo", "postgress://u:pw@host/db"},
		{"mysql", "mysql://u:pw@host/db"},
	} {
		for _, cmd := range []struct {
			name string
			args []string
		}{
			{"check", []string{"check", "--rules", "r.yaml", "--history", dsn.dsn, "in.csv"}},
			{"history", []string{"history", "--history", dsn.dsn, "d"}},
			{"audit-verify", []string{"audit", "verify", "--history", dsn.dsn}},
		} {
			add(hostileCase{
				name:    "dsn-" + dsn.name + "/" + cmd.name,
				setup:   hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos),
				args:    cmd.args,
				exit:    hostileCodes(exitUsage),
				mention: "--history",
				planted: []string{"pw"},
			})
		}
	}
	add(hostileCase{
		name:    "dsn-postgres-unreachable",
		setup:   hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos),
		args:    []string{"check", "--rules", "r.yaml", "--history", "postgres://u:s3cr3tpw@127.0.0.1:1/db?connect_timeout=2", "in.csv"},
		exit:    hostileCodes(exitRuntime),
		planted: []string{"s3cr3tpw"},
	})

	// A lineage endpoint that accepts and never answers.
	add(hostileCase{
		name:     "lineage-endpoint-never-answers",
		setup:    hostileSilentLineage(),
		args:     []string{"check", "--rules", "r.yaml", "--lineage-url", "{lineage}", "--lineage-timeout", "1s", "in.csv"},
		exit:     hostileCodes(exitPass),
		warnings: 1,
		bound:    8 * time.Second,
	}, hostileCase{
		name:     "lineage-endpoint-never-answers/default-timeout",
		setup:    hostileSilentLineage(),
		args:     []string{"check", "--rules", "r.yaml", "--lineage-url", "{lineage}", "in.csv"},
		exit:     hostileCodes(exitPass),
		warnings: 1,
		bound:    20 * time.Second,
	})
	return cs
}

// recorded: the run left what the leak checks read — a history database
// and a lineage file — so that finding no planted value means something.
func hostileRecorded(t *testing.T, r *hostileResult) {
	t.Helper()
	for _, name := range []string{"h.db", "lineage.ndjson"} {
		fi, err := os.Stat(name)
		if assert.NoError(t, err, "the run records into %s", name) {
			assert.Positive(t, fi.Size(), name)
		}
	}
}

// hostileSilentLineage starts a listener that accepts connections and never
// answers; {lineage} in the args becomes its URL.
func hostileSilentLineage() func(*testing.T, *hostileEnv) {
	return func(t *testing.T, e *hostileEnv) {
		hostileFiles("in.csv", hostileCSV, "r.yaml", hostileAPos)(t, e)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		var mu sync.Mutex
		var conns []net.Conn
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
		t.Cleanup(func() {
			ln.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				c.Close()
			}
		})
		e.lineageURL = "http://" + ln.Addr().String()
	}
}

func hostileFIFO(t *testing.T, e *hostileEnv, name string) string {
	t.Helper()
	p := filepath.Join(e.dir, name)
	require.NoError(t, syscall.Mkfifo(p, 0o644))
	return p
}

// hostileOTLP is an OTLP/HTTP receiver keeping the raw request bodies.
type hostileOTLP struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (o *hostileOTLP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		if zr, err := gzip.NewReader(r.Body); err == nil {
			body = zr
		}
	}
	b, _ := io.ReadAll(body)
	o.mu.Lock()
	o.bodies = append(o.bodies, b)
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

func (o *hostileOTLP) all() []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return bytes.Join(o.bodies, []byte{'\n'})
}

// hostileFileState is what a file of the case directory was before the run.
type hostileFileState struct {
	mode fs.FileMode
	sum  [32]byte
}

// hostileSnapshot lists every entry under dir, with the contents' hash of
// regular hostileFiles (FIFOs, devices and symlinks are not read).
func hostileSnapshot(t *testing.T, dir string) map[string]hostileFileState {
	t.Helper()
	m := map[string]hostileFileState{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := hostileFileState{mode: fi.Mode()}
		if fi.Mode().IsRegular() {
			// Streamed: a case's input may be larger than its memory bound.
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			copy(st.sum[:], h.Sum(nil))
		}
		m[rel] = st
		return nil
	}))
	return m
}

var hostilePanicMarkers = regexp.MustCompile(`panic|goroutine \d+|runtime error|fatal error|\.go:\d+`)

// runHostileChild runs one case in a child process and checks how it
// ended: a crash, a hang or too much memory fail the case.
func runHostileChild(t *testing.T, c hostileCase) {
	bound := c.bound
	if bound == 0 {
		bound = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), bound+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHostile$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), hostileChildEnv+"="+c.name)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the case hung: its process did not end within %s\n%s", bound+30*time.Second, hostileTail(out))
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, hostileTail(out))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && !raceEnabled {
		limit := c.maxRSS
		if limit == 0 {
			limit = 1 << 30
		}
		rss := ru.Maxrss * 1024 // kilobytes on Linux
		assert.LessOrEqual(t, rss, limit, "peak memory %d MiB over %d MiB", rss>>20, limit>>20)
	}
}

// hostileTail returns the last lines of a child's output, or the start of a
// crash.
func hostileTail(out []byte) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	for i, l := range lines {
		if strings.Contains(l, "fatal error") || strings.HasPrefix(strings.TrimSpace(l), "panic:") {
			lo, hi := max(0, i-3), min(len(lines), i+12)
			return "CRASH:\n" + strings.Join(lines[lo:hi], "\n")
		}
	}
	if len(lines) > 40 {
		lines = append([]string{fmt.Sprintf("… %d lines", len(lines)-40)}, lines[len(lines)-40:]...)
	}
	return strings.Join(lines, "\n")
}

// runHostileCase runs one case in this process.
func runHostileCase(t *testing.T, c hostileCase) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, k := range []string{envOTLPEndpoint, envOTLPTracesEndpoint, envOTLPProtocol, envOTLPTracesProtocol, "SLUICE_MASK_KEY", "SLUICE_AUDIT_KEY"} {
		t.Setenv(k, "")
	}
	otlp := &hostileOTLP{}
	srv := httptest.NewServer(otlp)
	defer srv.Close()
	t.Setenv(envOTLPEndpoint, srv.URL)
	t.Setenv(envOTLPProtocol, "http/protobuf")
	for k, v := range c.env {
		t.Setenv(k, v)
	}

	e := &hostileEnv{dir: dir}
	c.setup(t, e)
	before := hostileSnapshot(t, dir)

	args := slices.Clone(c.args)
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "{lineage}", e.lineageURL)
	}
	if args[0] == "check" && !slices.ContainsFunc(args, func(a string) bool {
		return strings.HasPrefix(a, "--lineage-") || a == "--no-lineage"
	}) {
		args = append([]string{"check", "--lineage-file", "lineage.ndjson"}, args[1:]...)
	}

	r := runHostileBounded(t, c, args)
	checkHostileStreams(t, c, r, true)
	for _, then := range c.then {
		tr := runHostileBounded(t, hostileCase{bound: 20 * time.Second}, then)
		assert.Equal(t, exitPass, tr.code, "%v: %s", then, tr.stderr)
		checkHostileStreams(t, c, tr, false)
	}
	if c.check != nil {
		c.check(t, r)
	}

	// Files: the inputs unchanged, nothing new but the expected outputs,
	// no empty output, no planted value in any of them.
	after := hostileSnapshot(t, dir)
	allowed := []string{"lineage.ndjson"}
	for _, db := range []string{"h.db", filepath.Join(".sluice", "history.db")} { // --history h.db, or the default store
		allowed = append(allowed, db, db+"-wal", db+"-shm", db+"-journal")
	}
	allowed = append(append(allowed, ".sluice"), c.outputs...)
	for name, st := range before {
		now, ok := after[name]
		if slices.Contains(c.removed, name) {
			assert.False(t, ok, "%s should have been cleaned", name)
			continue
		}
		if assert.True(t, ok, "%s was removed", name) {
			assert.Equal(t, st, now, "%s was changed", name)
		}
	}
	for name, st := range after {
		if _, existed := before[name]; existed {
			continue
		}
		assert.True(t, slices.Contains(allowed, name), "unexpected file left behind: %s", name)
		if st.mode.IsRegular() {
			data, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err)
			assert.NotEmpty(t, data, "empty output %s", name)
			assertHostileNoPlanted(t, c.planted, name, data)
		}
		for _, p := range c.planted {
			assert.NotContains(t, name, p, "a planted value in a file name")
		}
	}
	spans := otlp.all()
	if args[0] == "check" && (r.code == exitPass || r.code == exitFail) && len(c.planted) > 0 {
		assert.NotEmpty(t, spans, "spans were exported to the OTLP receiver")
	}
	assertHostileNoPlanted(t, c.planted, "the OTLP requests", spans)
}

// runHostileBounded runs the CLI under the case's bound and fails the case on a
// hang: no return, or a return only because the context ran out.
func runHostileBounded(t *testing.T, c hostileCase, args []string) *hostileResult {
	t.Helper()
	bound := c.bound
	if bound == 0 {
		bound = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	runCtx := ctx
	if c.cancelAfter > 0 {
		var stop context.CancelFunc
		runCtx, stop = context.WithCancel(ctx)
		timer := time.AfterFunc(c.cancelAfter, stop)
		defer timer.Stop()
		defer stop()
	}
	var out, errOut hostileBuffer
	done := make(chan int, 1)
	go func() { done <- run(runCtx, args, &out, &errOut) }()
	var code int
	select {
	case code = <-done:
	case <-time.After(bound + 5*time.Second):
		t.Fatalf("hang: %v did not return within %s (stderr so far: %q)", args, bound+5*time.Second, errOut.String())
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("hang: %v returned only when its context ran out after %s", args, bound)
	}
	return &hostileResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

// checkHostileStreams checks the exit code and the streams of one run.
func checkHostileStreams(t *testing.T, c hostileCase, r *hostileResult, main bool) {
	t.Helper()
	if main {
		assert.Contains(t, c.exit, r.code, "exit code; stderr: %q", hostileClip(r.stderr))
	}
	assert.NotRegexp(t, hostilePanicMarkers, r.stderr, "a panic or stack trace")
	assert.NotRegexp(t, hostilePanicMarkers, r.stdout, "a panic or stack trace")
	assert.True(t, utf8.ValidString(r.stderr), "stderr is not UTF-8: %q", hostileClip(r.stderr))
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if r.stderr == "" {
		lines = nil
	}
	switch {
	case main && c.problems && r.code == exitUsage:
		// One line per problem, bounded: a hostile rule file may not
		// flood the terminal.
		if assert.NotEmpty(t, lines) {
			assert.True(t, strings.HasPrefix(lines[0], "sluice: "), "%q", hostileClip(lines[0]))
			assert.Contains(t, lines[0], c.mention)
		}
		assert.LessOrEqual(t, len(lines), 25, "problems reported: %q", hostileClip(r.stderr))
		assert.LessOrEqual(t, len(r.stderr), 16<<10, "bytes of problems: %q", hostileClip(r.stderr))
		for _, l := range lines {
			assert.LessOrEqual(t, len(l), 4096, "a problem line: %q", hostileClip(l))
		}
	case r.code == exitUsage || r.code == exitRuntime:
		if assert.Len(t, lines, 1, "one error line: %q", hostileClip(r.stderr)) {
			assert.True(t, strings.HasPrefix(lines[0], "sluice: "), "%q", hostileClip(lines[0]))
			assert.LessOrEqual(t, len(lines[0]), 2048, "a clear error is short: %q", hostileClip(lines[0]))
			if main && c.mention != "" {
				assert.Contains(t, lines[0], c.mention)
			}
		}
	case main:
		if assert.Len(t, lines, c.warnings, "warning lines: %q", hostileClip(r.stderr)) {
			for _, l := range lines {
				assert.True(t, strings.HasPrefix(l, "sluice: warning: "), "%q", hostileClip(l))
			}
		}
	}
	for _, l := range lines {
		assert.False(t, strings.ContainsFunc(l, hostileIsControl), "raw control character on stderr: %q", hostileClip(l))
	}
	assertHostileNoPlanted(t, c.planted, "stdout", []byte(r.stdout))
	assertHostileNoPlanted(t, c.planted, "stderr", []byte(r.stderr))
}

func hostileIsControl(r rune) bool {
	return r < 0x20 && r != '\t' || r == 0x7f || (r >= 0x80 && r < 0xa0)
}

func assertHostileNoPlanted(t *testing.T, planted []string, where string, data []byte) {
	t.Helper()
	for _, p := range planted {
		if i := bytes.Index(data, []byte(p)); i >= 0 {
			lo, hi := max(0, i-60), min(len(data), i+len(p)+60)
			t.Errorf("planted value %q in %s: …%q…", p, where, data[lo:hi])
		}
	}
}

// assertPlainText: no raw control characters in the report but line
// breaks and tabs.
func assertHostilePlainText(t *testing.T, r *hostileResult) {
	t.Helper()
	for i, l := range strings.Split(r.stdout, "\n") {
		assert.False(t, strings.ContainsFunc(l, hostileIsControl), "raw control character on line %d: %q", i+1, hostileClip(l))
	}
}

// assertNotForged: the report has no raw control character and no verdict
// line but its own.
func assertHostileNotForged(t *testing.T, r *hostileResult) {
	t.Helper()
	assertHostilePlainText(t, r)
	var verdicts []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "Gate:") {
			verdicts = append(verdicts, l)
		}
	}
	if r.code == exitFail {
		if assert.Len(t, verdicts, 1, "one verdict line: %q", verdicts) {
			assert.True(t, strings.HasPrefix(verdicts[0], "Gate: FAIL"), "%q", verdicts[0])
		}
	} else {
		assert.Empty(t, verdicts, "no verdict line")
	}
}

func hostileClip(s string) string {
	if len(s) > 300 {
		return s[:300] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

// hostileBuffer is a bytes.Buffer safe for the CLI's goroutine and a reader
// after a hang.
type hostileBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *hostileBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *hostileBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

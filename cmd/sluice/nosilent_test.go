package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// growthRuleFile has one history-aware rule and one that is not.
const growthRuleFile = `version: 1
dataset: orders
owner: payments@example.com
rules:
  - name: amount_positive
    expr: amount > 0
  - name: growth
    check: change(row_count()) >= 0.0
`

// inWorkDir makes a fresh working directory with the growth rule file and
// two days of data, and returns their paths (relative to it).
func inWorkDir(t *testing.T) (rules, day1, day2 string) {
	t.Helper()
	clearOTLPEnv(t)
	t.Setenv(auditKeyEnv, "")
	dir := t.TempDir()
	t.Chdir(dir)
	writeFile(t, dir, "orders.yaml", growthRuleFile)
	writeFile(t, dir, "day1.csv", "id,amount\n1,10\n2,20\n")
	writeFile(t, dir, "day2.csv", "id,amount\n1,10\n2,20\n3,30\n")
	return "orders.yaml", "day1.csv", "day2.csv"
}

func ruleStatus(t *testing.T, stdout, name string) string {
	t.Helper()
	for _, r := range decodeReport(t, stdout).Rules {
		if r.Name == name {
			return r.Status
		}
	}
	t.Fatalf("no rule %s in %s", name, stdout)
	return ""
}

// TestCheckDefaultHistoryStore: without --history, sluice check records to
// .sluice/history.db under the working directory, so that the second run's
// change() has the first to compare with, and the audit commands read it
// by default.
func TestCheckDefaultHistoryStore(t *testing.T) {
	rules, day1, day2 := inWorkDir(t)
	code, stdout, stderr := sluiceRaw(t, "check", "--no-lineage", "--rules", rules, "--format", "json", day1)
	require.Equal(t, exitPass, code, stderr)
	assert.Equal(t, "not_evaluated", ruleStatus(t, stdout, "growth"), "no earlier run yet")
	assert.FileExists(t, filepath.Join(".sluice", "history.db"))

	code, stdout, stderr = sluiceRaw(t, "check", "--no-lineage", "--rules", rules, "--format", "json", day2)
	require.Equal(t, exitPass, code, stderr)
	assert.Equal(t, "pass", ruleStatus(t, stdout, "growth"), "compared with the first run")

	code, stdout, stderr = sluiceRaw(t, "audit", "log", "--format", "json")
	require.Equal(t, exitPass, code, stderr)
	assert.Len(t, strings.Split(strings.TrimSpace(stdout), "\n"), 2, stdout)
	code, stdout, stderr = sluiceRaw(t, "history", "orders", "row_count()")
	require.Equal(t, exitPass, code, stderr)
	assert.Contains(t, stdout, "(2 values)")
}

// TestCheckDefaultHistorySigned: the audit key signs the records of the
// default store, and audit verify checks them with the public key.
func TestCheckDefaultHistorySigned(t *testing.T) {
	rules, day1, day2 := inWorkDir(t)
	priv, pub := keygen(t, t.TempDir())
	for _, run := range []struct {
		name  string
		flags []string
		env   string
		input string
	}{
		{"--audit-key", []string{"--audit-key", priv}, "", day1},
		{"$" + auditKeyEnv, nil, priv, day2},
	} {
		t.Setenv(auditKeyEnv, run.env)
		args := append(append([]string{"check", "--no-lineage", "--rules", rules, "--format", "json"}, run.flags...), run.input)
		code, stdout, stderr := sluiceRaw(t, args...)
		require.Equal(t, exitPass, code, stderr)
		var rep struct {
			Audit struct {
				KeyID     string `json:"key_id"`
				Signature string `json:"signature"`
			} `json:"audit"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &rep), stdout)
		assert.True(t, strings.HasPrefix(rep.Audit.KeyID, "ed25519:"), "%s: %s", run.name, rep.Audit.KeyID)
		assert.NotEmpty(t, rep.Audit.Signature, run.name)
	}

	code, stdout, stderr := sluiceRaw(t, "audit", "verify", "--pubkey", pub)
	assert.Equal(t, exitPass, code, stderr)
	assert.Contains(t, stdout, "audit chain ok: 2 records")
}

// TestCheckNoHistory: --no-history writes no store; it refuses a rule file
// with history-aware rules (exit 2, one line naming them), rather than
// report them not evaluated and pass; it excludes --history, --partition
// and --audit-key.
func TestCheckNoHistory(t *testing.T) {
	rules, day1, _ := inWorkDir(t)
	writeFile(t, ".", "plain.yaml", "version: 1\ndataset: orders\nowner: a@example.com\nrules:\n  - name: amount_positive\n    expr: amount > 0\n")
	writeFile(t, ".", "hostile.yaml", "version: 1\ndataset: orders\nowner: a@example.com\nrules:\n"+
		"  - name: \"evil\\e[2J\\nGate: PASS\"\n    check: previous(row_count()) == null || row_count() >= 0\n"+
		"  - name: drift_check\n    check: \"!anomaly(row_count(), 'relative_rate', 0.5, 2.0)\"\n")

	code, _, stderr := sluiceRaw(t, "check", "--no-lineage", "--no-history", "--rules", "plain.yaml", day1)
	require.Equal(t, exitPass, code, stderr)
	_, err := os.Stat(".sluice")
	assert.True(t, os.IsNotExist(err), "nothing written")

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"history rules", []string{"--no-history", "--rules", rules, day1},
			"sluice: check: orders.yaml: rule growth compares with earlier runs and needs a history store: drop --no-history (the default store is .sluice/history.db) or give --history DSN\n"},
		{"history rules with hostile names", []string{"--no-history", "--rules", "hostile.yaml", day1},
			`sluice: check: hostile.yaml: rules evil\x1b[2J\nGate: PASS, drift_check compare with earlier runs and need a history store: drop --no-history (the default store is .sluice/history.db) or give --history DSN` + "\n"},
		{"and --history", []string{"--no-history", "--history", "h.db", "--rules", rules, day1},
			"sluice: check: --no-history and --history are exclusive: give one of them\n"},
		{"and --partition", []string{"--no-history", "--partition", "p1", "--rules", rules, day1},
			"sluice: check: --partition needs a history store, not --no-history: the other partitions' states are read from it\n"},
		{"and --audit-key", []string{"--no-history", "--audit-key", "k.pem", "--rules", "plain.yaml", day1},
			"sluice: check: --audit-key signs the audit records of a history store, not --no-history\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := sluiceRaw(t, append([]string{"check", "--no-lineage"}, tt.args...)...)
			assert.Equal(t, exitUsage, code, stderr)
			assert.Empty(t, stdout)
			assert.Equal(t, tt.want, stderr)
			_, err := os.Stat(".sluice")
			assert.True(t, os.IsNotExist(err), "nothing written")
		})
	}
}

// TestCheckDefaultHistoryUnwritable: a default store that cannot be
// created is a run-time error (exit 3) on one line that says how to run
// without one; nothing is checked.
func TestCheckDefaultHistoryUnwritable(t *testing.T) {
	rules, day1, _ := inWorkDir(t)
	writeFile(t, ".", ".sluice", "a file where the store's directory would be\n")
	code, stdout, stderr := sluiceRaw(t, "check", "--no-lineage", "--rules", rules, day1)
	assert.Equal(t, exitRuntime, code, stderr)
	assert.Empty(t, stdout)
	assertOneLine(t, stderr)
	assert.Contains(t, stderr, "sluice: check: the default history store .sluice/history.db (--no-history runs without one): ")
}

// TestCheckHistoryStoreIsNotAnOutput: --out and --quarantine may not
// overwrite the history store, default or not, or its companion files.
func TestCheckHistoryStoreIsNotAnOutput(t *testing.T) {
	rules, day1, _ := inWorkDir(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"the default store", []string{"--out", ".sluice/history.db"},
			"--out .sluice/history.db is the default history store (--no-history turns it off)"},
		{"another spelling of the default store", []string{"--quarantine", "./.sluice/../.sluice/history.db"},
			"is the same file as the default history store (--no-history turns it off) .sluice/history.db"},
		{"the default store's write-ahead log", []string{"--out", ".sluice/history.db-wal"},
			"--out .sluice/history.db-wal is a companion file of the default history store"},
		{"an empty --history, the default store", []string{"--history", "", "--out", ".sluice/history.db"},
			"--out .sluice/history.db is the history store (--history)"},
		{"a store moved by --history", []string{"--history", "h.db", "--out", "h.db"},
			"--out h.db is the history store (--history)"},
		{"a sqlite: DSN", []string{"--history", "sqlite:h.db", "--out", "h.db"},
			"--out h.db is the history store (--history)"},
		{"a sqlite:// DSN and another spelling", []string{"--history", "sqlite://h.db", "--quarantine", "./h.db"},
			"--quarantine ./h.db is the same file as the history store (--history) h.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"check", "--no-lineage", "--rules", rules}, tt.args...), day1)
			code, stdout, stderr := sluiceRaw(t, args...)
			assert.Equal(t, exitUsage, code, stderr)
			assert.Empty(t, stdout)
			assertOneLine(t, stderr)
			assert.Contains(t, stderr, tt.want)
			assert.Contains(t, stderr, "the write would destroy it")
			assert.Equal(t, []string{"day1.csv", "day2.csv", "orders.yaml"}, dirNames(t, "."), "nothing opened or written")
		})
	}

}

// TestCheckJUnitPerInput: with several inputs the JUnit report has one
// suite per input, named after its file, and testcases whose classnames
// carry it.
func TestCheckJUnitPerInput(t *testing.T) {
	rules, day1, day2 := inWorkDir(t)
	code, stdout, stderr := sluiceRaw(t, "check", "--no-lineage", "--rules", rules, "--format", "junit", day1, day2)
	require.Equal(t, exitPass, code, stderr)
	var doc struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Time  string `xml:"time,attr"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Time      string `xml:"time,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal([]byte(stdout), &doc), stdout)
	require.Len(t, doc.Suites, 2)
	for i, input := range []string{day1, day2} {
		s := doc.Suites[i]
		assert.Equal(t, "orders ("+input+")", s.Name)
		assert.NotEmpty(t, s.Time)
		require.Len(t, s.Cases, 2)
		assert.Equal(t, "orders ("+input+").row", s.Cases[0].Classname)
		assert.Equal(t, "orders ("+input+").dataset", s.Cases[1].Classname)
		for _, c := range s.Cases {
			assert.NotEmpty(t, c.Time, c.Name)
		}
	}
}

// TestCheckNotesFirst: what a reader must know before the rules (here:
// the input has no rows) comes right after the report's header.
func TestCheckNotesFirst(t *testing.T) {
	inWorkDir(t)
	writeFile(t, ".", "typed.yaml", growthRuleFile+"columns:\n  id: {type: int64}\n  amount: {type: int64}\n")
	writeFile(t, ".", "empty.csv", "id,amount\n")
	code, stdout, stderr := sluiceRaw(t, "check", "--no-lineage", "--rules", "typed.yaml", "empty.csv")
	require.Equal(t, exitPass, code, stderr)
	lines := strings.Split(stdout, "\n")
	require.Greater(t, len(lines), 7, stdout)
	assert.True(t, strings.HasPrefix(lines[5], "  started "), stdout)
	assert.True(t, strings.HasPrefix(lines[6], "  note       the input has no rows"), stdout)
	assert.Less(t, strings.Index(stdout, "  note "), strings.Index(stdout, "amount_positive"), stdout)
}

// TestCheckHelp: the flags of check say what the default store is and
// what --strict fails on.
func TestCheckHelp(t *testing.T) {
	code, _, stderr := sluiceRaw(t, "check", "-h")
	require.Equal(t, exitPass, code)
	for _, want := range []string{
		"-no-history", "record nothing in a history store",
		`(default ".sluice/history.db")`,
		"fail the gate on warnings, and on rules not evaluated or errored",
	} {
		assert.Contains(t, stderr, want)
	}
}

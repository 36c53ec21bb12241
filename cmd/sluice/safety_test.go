package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// safetyCSV has one row failing amount_non_negative and ids 1..3, one of
// which is missing from the reference dataset of refRules.
const safetyCSV = "id,amount\n1,10\n2,-5\n3,7\n"

const safetyRules = `version: 1
dataset: payments
owner: team@example.com
rules:
  - name: amount_non_negative
    expr: amount >= 0
`

const passingRules = `version: 1
dataset: payments
owner: team@example.com
rules:
  - name: some_rows
    check: row_count() >= 1
`

const refRules = `version: 1
dataset: payments
owner: team@example.com
rules:
  - name: ids_known
    check: missing_references(id, 'ref.csv', 'id') == 0
    severity: warn
`

// safetyDir is a directory with in.csv, ref.csv and the rule files.
func safetyDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"in.csv":      safetyCSV,
		"ref.csv":     "id\n1\n2\n",
		"rules.yaml":  safetyRules,
		"pass.yaml":   passingRules,
		"refs.yaml":   refRules,
		"other.csv":   safetyCSV,
		"sub/.keep":   "",
		"sub/in2.csv": safetyCSV,
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	return dir
}

// treeBytes is every file under dir with its bytes.
func treeBytes(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if d.Type()&os.ModeSymlink != 0 {
			target, err := os.Readlink(path)
			files[rel] = "-> " + target
			return err
		}
		data, err := os.ReadFile(path)
		files[rel] = string(data)
		return err
	}))
	return files
}

// assertOneLine asserts that stderr is exactly one line.
func assertOneLine(t *testing.T, stderr string) {
	t.Helper()
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "want one line: %q", stderr)
	assert.True(t, strings.HasSuffix(stderr, "\n"), "%q", stderr)
}

// TestOutputsThatWouldClobber: an output that is an input, a reference
// dataset, the rule file or the other output is refused with exit 2 and
// one line, before anything is written: every file stays byte for byte,
// and no temporary file is left.
func TestOutputsThatWouldClobber(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		args  func(dir string) []string
		want  string
	}{
		{
			name: "out is the input",
			args: func(d string) []string { return []string{"--out", d + "/in.csv", d + "/in.csv"} },
			want: "--out " + "%s/in.csv is the INPUT",
		},
		{
			name: "quarantine is the input",
			args: func(d string) []string { return []string{"--quarantine", d + "/in.csv", d + "/in.csv"} },
			want: "--quarantine %s/in.csv is the INPUT",
		},
		{
			name: "another spelling of the input",
			args: func(d string) []string { return []string{"--out", d + "/sub/../in.csv", d + "/./in.csv"} },
			want: "is the same file as the INPUT",
		},
		{
			name: "relative and absolute",
			setup: func(t *testing.T, d string) {
				t.Chdir(d)
			},
			args: func(d string) []string { return []string{"--out", "in.csv", d + "/in.csv"} },
			want: "--out in.csv is the same file as the INPUT",
		},
		{
			name:  "a symlink to the input",
			setup: func(t *testing.T, d string) { require.NoError(t, os.Symlink(d+"/in.csv", d+"/link.csv")) },
			args:  func(d string) []string { return []string{"--out", d + "/link.csv", d + "/in.csv"} },
			want:  "is the same file as the INPUT",
		},
		{
			name:  "a dangling symlink to where the quarantine goes",
			setup: func(t *testing.T, d string) { require.NoError(t, os.Symlink(d+"/q.csv", d+"/qlink.csv")) },
			args: func(d string) []string {
				return []string{"--out", d + "/qlink.csv", "--quarantine", d + "/q.csv", d + "/in.csv"}
			},
			want: "is the same file as --quarantine",
		},
		{
			name:  "a symlinked directory",
			setup: func(t *testing.T, d string) { require.NoError(t, os.Symlink(d, d+"/sub/up")) },
			args:  func(d string) []string { return []string{"--out", d + "/sub/up/in.csv", d + "/in.csv"} },
			want:  "is the same file as the INPUT",
		},
		{
			name:  "a hard link to the input",
			setup: func(t *testing.T, d string) { require.NoError(t, os.Link(d+"/in.csv", d+"/hard.csv")) },
			args:  func(d string) []string { return []string{"--out", d + "/hard.csv", d + "/in.csv"} },
			want:  "is the same file as the INPUT",
		},
		{
			name: "out and quarantine are one file",
			args: func(d string) []string {
				return []string{"--out", d + "/x.csv", "--quarantine", d + "/x.csv", d + "/in.csv"}
			},
			want: "--out %s/x.csv is --quarantine",
		},
		{
			name: "out and quarantine, two spellings",
			args: func(d string) []string {
				return []string{"--out", d + "/x.csv", "--quarantine", d + "/sub/../x.csv", d + "/in.csv"}
			},
			want: "is the same file as --quarantine",
		},
		{
			name: "out is the rule file",
			args: func(d string) []string { return []string{"--out", d + "/rules.yaml", d + "/in.csv"} },
			want: "is the rule file",
		},
		{
			name: "out is a reference dataset",
			args: func(d string) []string {
				return []string{"--rules", d + "/refs.yaml", "--out", d + "/ref.csv", d + "/in.csv"}
			},
			want: "ref.csv is a reference dataset of a check (missing_references, row_count)",
		},
		{
			name: "quarantine is a reference dataset",
			args: func(d string) []string {
				return []string{"--rules", d + "/refs.yaml", "--quarantine", d + "/ref.csv", d + "/in.csv"}
			},
			want: "a reference dataset",
		},
		{
			name: "out is the history store",
			args: func(d string) []string {
				return []string{"--history", d + "/h.db", "--out", d + "/h.db", d + "/in.csv"}
			},
			want: "is the history store",
		},
		{
			name: "out is the lineage file",
			args: func(d string) []string {
				return []string{"--lineage-file", d + "/l.ndjson", "--out", d + "/l.ndjson", d + "/in.csv"}
			},
			want: "is the lineage file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := safetyDir(t)
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			before := treeBytes(t, dir)
			args := tt.args(dir)
			if !strings.HasPrefix(args[0], "--rules") {
				args = append([]string{"--rules", dir + "/rules.yaml"}, args...)
			}
			code, stdout, stderr := sluice(t, append([]string{"check"}, args...)...)
			assert.Equal(t, exitUsage, code, stderr)
			assert.Empty(t, stdout)
			assertOneLine(t, stderr)
			want := tt.want
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, dir)
			}
			assert.Contains(t, stderr, want)
			assert.Equal(t, before, treeBytes(t, dir), "no file may change, appear or disappear")
		})
	}
}

// TestDistinctOutputsStillWork: the checks refuse nothing legitimate.
func TestDistinctOutputsStillWork(t *testing.T) {
	dir := safetyDir(t)
	code, _, stderr := sluice(t, "check", "--rules", dir+"/rules.yaml", "--out", dir+"/clean.csv",
		"--quarantine", dir+"/q.csv", dir+"/in.csv")
	assert.Equal(t, exitFail, code, stderr)
	assert.NoFileExists(t, dir+"/clean.csv", "the gate failed")
	q, err := os.ReadFile(dir + "/q.csv")
	require.NoError(t, err)
	assert.Contains(t, string(q), "-5")
	in, err := os.ReadFile(dir + "/in.csv")
	require.NoError(t, err)
	assert.Equal(t, safetyCSV, string(in))

	code, _, stderr = sluice(t, "check", "--rules", dir+"/pass.yaml", "--out", dir+"/clean.csv", dir+"/in.csv")
	assert.Equal(t, exitPass, code, stderr)
	assert.FileExists(t, dir+"/clean.csv")
}

// TestStaleTempFilesAreCleaned: a run killed mid-write leaves a hidden
// temporary file; the next write into the directory removes it once it is
// older than a day, and leaves a fresh one alone.
func TestStaleTempFilesAreCleaned(t *testing.T) {
	dir := safetyDir(t)
	out := t.TempDir()
	stale := filepath.Join(out, ".clean.parquet.tmp-1234567")
	fresh := filepath.Join(out, ".clean.parquet.tmp-7654321")
	for _, p := range []string{stale, fresh} {
		require.NoError(t, os.WriteFile(p, []byte("half a file"), 0o644))
	}
	old := time.Now().Add(-25 * time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))
	code, _, stderr := sluice(t, "check", "--rules", dir+"/pass.yaml", "--out", filepath.Join(out, "clean.parquet"), dir+"/in.csv")
	require.Equal(t, exitPass, code, stderr)
	assert.NoFileExists(t, stale)
	assert.FileExists(t, fresh)
	assert.ElementsMatch(t, []string{"clean.parquet", ".clean.parquet.tmp-7654321"}, dirNames(t, out))
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestBatchSizeBounds(t *testing.T) {
	dir := safetyDir(t)
	for _, n := range []string{"0", "-1", "4194305", "1000000000", "2147483648", "9223372036854775807"} {
		t.Run(n, func(t *testing.T) {
			for _, args := range [][]string{
				{"check", "--rules", dir + "/pass.yaml", "--batch-size", n, dir + "/in.csv"},
				{"scan", "--batch-size", n, dir + "/in.csv"},
				{"suggest", "--batch-size", n, dir + "/in.csv"},
			} {
				code, stdout, stderr := sluice(t, args...)
				assert.Equal(t, exitUsage, code, "%v: %s", args, stderr)
				assert.Empty(t, stdout)
				assertOneLine(t, stderr)
				assert.Contains(t, stderr, "--batch-size must be between 1 and 4194304 rows, not "+n)
			}
		})
	}
	code, _, stderr := sluice(t, "check", "--rules", dir+"/pass.yaml", "--batch-size", "1", dir+"/in.csv")
	assert.Equal(t, exitPass, code, stderr)
}

// TestHistoryDSNs: a DSN with an unknown scheme is exit 2 with one line
// that shows no credential, and creates no file; the sqlite: forms work.
func TestHistoryDSNs(t *testing.T) {
	dir := safetyDir(t)
	t.Run("refused", func(t *testing.T) {
		for _, dsn := range []string{
			"postgress://u:s3cr3t-pw@host/db", "xyz://u:s3cr3t-pw@host/db", "http:h.db",
			"mysql://root:s3cr3t-pw@host/db?password=s3cr3t-pw", "host=db password=s3cr3t-pw",
		} {
			work := t.TempDir()
			t.Chdir(work)
			code, stdout, stderr := sluice(t, "check", "--rules", dir+"/pass.yaml", "--history", dsn, dir+"/in.csv")
			assert.Equal(t, exitUsage, code, stderr)
			assert.Empty(t, stdout)
			assertOneLine(t, stderr)
			assert.Contains(t, stderr, "unsupported DSN")
			assert.NotContains(t, stderr, "s3cr3t")
			assert.Empty(t, dirNames(t, work), "no file named after the DSN")
		}
	})
	t.Run("sqlite forms", func(t *testing.T) {
		for i, form := range []string{"", "sqlite:", "sqlite://"} {
			db := filepath.Join(t.TempDir(), fmt.Sprintf("h%d.db", i))
			code, _, stderr := sluice(t, "check", "--rules", dir+"/pass.yaml", "--history", form+db, dir+"/in.csv")
			assert.Equal(t, exitPass, code, "%s: %s", form, stderr)
			assert.FileExists(t, db)
		}
	})
}

// TestLineageTimeout: an endpoint that accepts and never answers costs the
// run at most the deadline per event, with a warning; the exit code is the
// gate's.
func TestLineageTimeout(t *testing.T) {
	dir := safetyDir(t)
	var calls atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	for _, tt := range []struct {
		rules string
		code  int
	}{{"pass.yaml", exitPass}, {"rules.yaml", exitFail}} {
		code, stdout, stderr := sluice(t, "check", "--rules", dir+"/"+tt.rules, "--lineage-url", srv.URL,
			"--lineage-timeout", "1s", "--format", "json", dir+"/in.csv")
		assert.Equal(t, tt.code, code, stderr)
		var rep map[string]any
		require.NoError(t, json.Unmarshal([]byte(stdout), &rep), stdout)
		assert.Contains(t, stderr, "sluice: warning: lineage:")
		assert.Contains(t, stderr, "no success within 1s")
		for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
			assert.True(t, strings.HasPrefix(line, "sluice: warning: lineage: "), line)
		}
	}
	assert.Equal(t, int32(4), calls.Load(), "START and COMPLETE of two runs, one attempt each")

	code, _, stderr := sluice(t, "check", "--rules", dir+"/pass.yaml", "--lineage-url", srv.URL, "--lineage-timeout", "0s", dir+"/in.csv")
	assert.Equal(t, exitUsage, code)
	assertOneLine(t, stderr)
	assert.Contains(t, stderr, "--lineage-timeout must be positive")
}

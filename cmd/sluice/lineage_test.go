package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
)

var updateGolden = flag.Bool("update-lineage-golden", false, "rewrite the golden files of sluice lineage show")

// absPath returns the absolute form of a path relative to cmd/sluice, for
// tests that change the working directory.
func absPath(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(rel)
	require.NoError(t, err)
	return p
}

// readEvents reads an NDJSON file of OpenLineage events.
func readEvents(t *testing.T, path string) []lineage.RunEvent {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []lineage.RunEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var ev lineage.RunEvent
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev))
		out = append(out, ev)
	}
	require.NoError(t, sc.Err())
	return out
}

// clearOTLPEnv keeps a developer's OTLP settings out of the tests.
func clearOTLPEnv(t *testing.T) {
	for _, k := range []string{envOTLPEndpoint, envOTLPTracesEndpoint, envOTLPProtocol, envOTLPTracesProtocol} {
		t.Setenv(k, "")
	}
}

// TestCheckDefaultLineageFile: sluice check appends START and FAIL to
// .sluice/lineage.ndjson under the working directory, and the report names
// the run.
func TestCheckDefaultLineageFile(t *testing.T) {
	clearOTLPEnv(t)
	rules, input := absPath(t, ordersRules), absPath(t, "../../testdata/orders/orders.parquet")
	dir := t.TempDir()
	t.Chdir(dir)
	for range 2 {
		code, stdout, stderr := sluiceRaw(t, "check", "--rules", rules, "--format", "json", input)
		require.Equal(t, exitFail, code, stderr)
		assert.NotContains(t, stderr, "warning")
		var rep struct {
			Lineage struct {
				RunID   string `json:"run_id"`
				TraceID string `json:"trace_id"`
			} `json:"lineage"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
		assert.NotEmpty(t, rep.Lineage.RunID)
		assert.Empty(t, rep.Lineage.TraceID, "no spans without an OTLP endpoint")
	}
	events := readEvents(t, filepath.Join(dir, ".sluice", "lineage.ndjson"))
	require.Len(t, events, 4, "two runs appended")
	for i, want := range []string{"START", "FAIL", "START", "FAIL"} {
		assert.Equal(t, want, events[i].EventType)
		assert.Equal(t, "sluice", events[i].Job.Namespace)
		assert.Equal(t, "check.orders", events[i].Job.Name)
	}
	assert.NotEqual(t, events[0].Run.RunID, events[2].Run.RunID)
	fail := events[1]
	require.Len(t, fail.Inputs, 1)
	assert.Equal(t, input, fail.Inputs[0].Name)
	assert.Contains(t, string(fail.Inputs[0].InputFacets["dataQualityAssertions"]), `"amount_non_negative"`)
	assert.Contains(t, string(fail.Job.Facets["ownership"]), "payments-data@example.com")
}

func TestCheckLineageFlags(t *testing.T) {
	clearOTLPEnv(t)
	rules, input := absPath(t, ordersRules), absPath(t, "../../testdata/orders/orders.parquet")

	t.Run("no-lineage", func(t *testing.T) {
		t.Chdir(t.TempDir())
		code, stdout, stderr := sluice(t, "check", "--no-lineage", "--rules", rules, "--format", "json", input)
		require.Equal(t, exitFail, code, stderr)
		assert.NotContains(t, stdout, `"lineage"`)
		_, err := os.Stat(".sluice")
		assert.True(t, os.IsNotExist(err), "nothing written")
	})
	t.Run("file, job and namespace", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "deep", "events.ndjson")
		out := filepath.Join(t.TempDir(), "clean.parquet")
		code, _, stderr := sluice(t, "check", "--lineage-file", path, "--job", "nightly", "--job-namespace", "shop",
			"--rules", rules, "--out", out, input)
		require.Equal(t, exitFail, code, stderr)
		events := readEvents(t, path)
		require.Len(t, events, 2)
		assert.Equal(t, lineage.Job{Namespace: "shop", Name: "nightly"}, lineage.Job{Namespace: events[1].Job.Namespace, Name: events[1].Job.Name})
		require.Len(t, events[1].Outputs, 1)
		assert.Equal(t, out, events[1].Outputs[0].Name)
		assert.Contains(t, string(events[1].Outputs[0].Facets["columnLineage"]), `"FILTER"`)
	})
	t.Run("passing run completes", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "events.ndjson")
		rf := filepath.Join(t.TempDir(), "ok.yaml")
		require.NoError(t, os.WriteFile(rf, []byte("version: 1\ndataset: orders\nowner: a@example.com\nrules:\n  - name: ids\n    expr: order_id > 0\n"), 0o644))
		code, _, stderr := sluice(t, "check", "--lineage-file", path, "--rules", rf, input)
		require.Equal(t, exitPass, code, stderr)
		events := readEvents(t, path)
		require.Len(t, events, 2)
		assert.Equal(t, "COMPLETE", events[1].EventType)
	})
	t.Run("http", func(t *testing.T) {
		var mu sync.Mutex
		var got []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var ev lineage.RunEvent
			if r.URL.Path != "/api/v1/lineage" || json.Unmarshal(body, &ev) != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			mu.Lock()
			got = append(got, ev.EventType)
			mu.Unlock()
			w.WriteHeader(http.StatusCreated)
		}))
		defer srv.Close()
		t.Chdir(t.TempDir())
		code, _, stderr := sluice(t, "check", "--lineage-url", srv.URL, "--rules", rules, input)
		require.Equal(t, exitFail, code, stderr)
		assert.NotContains(t, stderr, "warning")
		mu.Lock()
		assert.Equal(t, []string{"START", "FAIL"}, got)
		mu.Unlock()
		_, err := os.Stat(".sluice")
		assert.True(t, os.IsNotExist(err), "HTTP replaces the file")
	})
	t.Run("emitter failure is a warning", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
		}))
		defer srv.Close()
		code, _, stderr := sluice(t, "check", "--lineage-url", srv.URL, "--rules", rules, input)
		assert.Equal(t, exitFail, code, "the gate decides the exit code")
		assert.Contains(t, stderr, "sluice: warning: lineage:")
	})
}

// TestCheckExportsSpansOverOTLPHTTP points the standard variables at a
// fake collector and checks that spans arrive before sluice returns.
func TestCheckExportsSpansOverOTLPHTTP(t *testing.T) {
	clearOTLPEnv(t)
	var mu sync.Mutex
	var posts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, r.URL.Path+" "+r.Header.Get("Content-Type")+" "+string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	t.Setenv(envOTLPEndpoint, srv.URL)
	t.Setenv("OTEL_SERVICE_NAME", "sluice-test")
	code, stdout, stderr := sluice(t, "check", "--no-lineage", "--format", "json", "--rules", ordersRules,
		"../../testdata/orders/orders.parquet")
	require.Equal(t, exitFail, code, stderr)
	assert.NotContains(t, stderr, "warning")
	assert.Contains(t, stdout, `"trace_id"`)
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, posts, "spans flushed before exit")
	all := strings.Join(posts, "\n")
	assert.Contains(t, all, "/v1/traces application/x-protobuf")
	for _, want := range []string{"run check.orders", "check orders", "read file://", "sluice-test", "openlineage.run.id"} {
		assert.Contains(t, all, want)
	}
}

func TestOTLPProtocol(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default", nil, "http/protobuf"},
		{"general", map[string]string{envOTLPProtocol: "grpc"}, "grpc"},
		{"traces wins", map[string]string{envOTLPProtocol: "grpc", envOTLPTracesProtocol: "http/protobuf"}, "http/protobuf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, otlpProtocol(func(k string) string { return tt.env[k] }))
		})
	}
	t.Run("unknown protocol is a warning", func(t *testing.T) {
		clearOTLPEnv(t)
		t.Setenv(envOTLPEndpoint, "http://127.0.0.1:1")
		t.Setenv(envOTLPProtocol, "http/json")
		code, _, stderr := sluice(t, "check", "--no-lineage", "--rules", ordersRules, "../../testdata/orders/orders.parquet")
		assert.Equal(t, exitFail, code)
		assert.Contains(t, stderr, `OTLP protocol "http/json"`)
	})
}

// TestLineageShowGolden draws the fixture in the three formats.
func TestLineageShowGolden(t *testing.T) {
	for _, format := range []string{"text", "dot", "mermaid"} {
		t.Run(format, func(t *testing.T) {
			code, stdout, stderr := sluice(t, "lineage", "show", "--file", "testdata/lineage/events.ndjson", "--format", format)
			require.Equal(t, exitPass, code, stderr)
			golden := filepath.Join("testdata", "lineage", "show."+format+".golden")
			if *updateGolden {
				require.NoError(t, os.WriteFile(golden, []byte(stdout), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), stdout)
		})
	}
}

func TestLineageShowErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.ndjson")
	require.NoError(t, os.WriteFile(bad, []byte("{\"eventType\":\"START\",\"run\":{\"runId\":\"x\"}}\nnot json\n"), 0o644))
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no subcommand", []string{"lineage"}, exitUsage, "usage: sluice lineage show"},
		{"bad format", []string{"lineage", "show", "--format", "svg"}, exitUsage, "--format must be text, dot or mermaid"},
		{"missing file", []string{"lineage", "show", "--file", filepath.Join(t.TempDir(), "none")}, exitRuntime, "no such file"},
		{"bad line", []string{"lineage", "show", "--file", bad}, exitRuntime, "bad.ndjson:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := sluice(t, tt.args...)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, stderr, tt.msg)
		})
	}
}

// TestCheckThenShow draws the file a real check wrote.
func TestCheckThenShow(t *testing.T) {
	clearOTLPEnv(t)
	path := filepath.Join(t.TempDir(), "events.ndjson")
	code, _, stderr := sluice(t, "check", "--lineage-file", path, "--rules", ordersRules, "../../testdata/orders/orders.parquet")
	require.Equal(t, exitFail, code, stderr)
	code, stdout, stderr := sluice(t, "lineage", "show", "--file", path)
	require.Equal(t, exitPass, code, stderr)
	assert.Contains(t, stdout, "sluice/check.orders")
	assert.Contains(t, stdout, "status: FAIL, assertions")
	assert.Contains(t, stdout, "failed: ")
	assert.Contains(t, stdout, "amount_non_negative")
}

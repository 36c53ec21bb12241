package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Environment of the end-to-end test against a real Jaeger v2 (started by
// tools/jaeger/start.sh).
const (
	envJaegerQuery    = "SLUICE_JAEGER_QUERY"     // e.g. http://127.0.0.1:16686
	envJaegerOTLP     = "SLUICE_JAEGER_OTLP"      // OTLP gRPC host:port, e.g. 127.0.0.1:14317
	envJaegerOTLPHTTP = "SLUICE_JAEGER_OTLP_HTTP" // OTLP HTTP host:port; default: the gRPC host, port 14318
)

// jaegerTraceWait bounds how long the test polls Jaeger for a trace: the
// exporter flushes at exit, but the collector's pipeline stores spans
// asynchronously.
const jaegerTraceWait = 30 * time.Second

// TestJaegerEndToEnd runs two separate sluice processes against a real
// Jaeger: the first checks orders.parquet and writes clean.parquet over OTLP
// gRPC, the second checks clean.parquet over OTLP HTTP. It then reads both
// traces back from Jaeger's API and follows the span link from the second
// run's read to the first run's write: lineage across processes with no
// service but the tracing backend.
func TestJaegerEndToEnd(t *testing.T) {
	query := os.Getenv(envJaegerQuery)
	if query == "" {
		t.Skipf("%s is not set: start Jaeger with tools/jaeger/start.sh and set %s=http://127.0.0.1:16686 and %s=127.0.0.1:14317",
			envJaegerQuery, envJaegerQuery, envJaegerOTLP)
	}
	grpcAddr := os.Getenv(envJaegerOTLP)
	require.NotEmpty(t, grpcAddr, "%s is set but %s is not", envJaegerQuery, envJaegerOTLP)
	httpAddr := os.Getenv(envJaegerOTLPHTTP)
	if httpAddr == "" {
		host, _, ok := strings.Cut(grpcAddr, ":")
		require.True(t, ok, "%s=%q is not host:port", envJaegerOTLP, grpcAddr)
		httpAddr = host + ":14318"
	}

	dir := t.TempDir()
	bin := buildSluice(t, dir)
	input, err := filepath.Abs("../../testdata/orders/orders.parquet")
	require.NoError(t, err)
	clean := filepath.Join(dir, "clean.parquet")
	producerRules := writeFile(t, dir, "load.yaml", `version: 1
dataset: orders
owner: payments-data@example.com
rules:
  - name: has_rows
    check: row_count() > 0
  - name: positive_ids
    expr: order_id > 0
`)
	consumerRules := writeFile(t, dir, "consume.yaml", `version: 1
dataset: orders_clean
owner: analytics@example.com
rules:
  - name: has_rows
    check: row_count() > 0
`)

	events := filepath.Join(dir, "lineage.ndjson")

	// Process A: orders.parquet → clean.parquet, spans over OTLP gRPC.
	repA := runSluice(t, bin, dir, otlpEnv("http://"+grpcAddr, "grpc"),
		"check", "--format", "json", "--lineage-file", events, "--rules", producerRules, "--out", clean, input)
	require.FileExists(t, clean, "the passing gate commits its output")
	// Process B: reads clean.parquet, spans over OTLP HTTP/protobuf.
	repB := runSluice(t, bin, dir, otlpEnv("http://"+httpAddr, "http/protobuf"),
		"check", "--format", "json", "--lineage-file", events, "--rules", consumerRules, clean)
	require.NotEqual(t, repA.Lineage.TraceID, repB.Lineage.TraceID, "two processes, two traces")
	ndjson, err := os.ReadFile(events)
	require.NoError(t, err)
	seen := map[string][]string{}
	for line := range strings.Lines(string(ndjson)) {
		var ev struct {
			EventType string `json:"eventType"`
			Run       struct {
				RunID string `json:"runId"`
			} `json:"run"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &ev), line)
		seen[ev.Run.RunID] = append(seen[ev.Run.RunID], ev.EventType)
	}
	assert.Equal(t, []string{"START", "COMPLETE"}, seen[repA.Lineage.RunID], "events of the producer run")
	assert.Equal(t, []string{"START", "COMPLETE"}, seen[repB.Lineage.RunID], "events of the consumer run")

	traceA := waitForTrace(t, query, repA.Lineage.TraceID, func(tr jaegerTrace) bool {
		return tr.byPrefix("run ") != nil && tr.byPrefix("read ") != nil &&
			tr.byPrefix("check ") != nil && tr.byPrefix("write ") != nil
	})
	traceB := waitForTrace(t, query, repB.Lineage.TraceID, func(tr jaegerTrace) bool {
		return tr.byPrefix("run ") != nil && tr.byPrefix("read ") != nil
	})

	t.Run("producer trace", func(t *testing.T) {
		assert.Equal(t, "sluice", traceA.service, "service.name of the resource")
		root := traceA.byPrefix("run ")
		read := traceA.byPrefix("read ")
		check := traceA.byPrefix("check ")
		write := traceA.byPrefix("write ")
		assert.Empty(t, root.ParentSpanID, "the run span is the root")
		for _, s := range []*otlpSpan{read, check, write} {
			assert.Equal(t, root.SpanID, s.ParentSpanID, "%s is a child of the run span", s.Name)
		}
		for _, s := range traceA.spans {
			assert.Equal(t, repA.Lineage.RunID, s.attr("openlineage.run.id"), "run id on %s", s.Name)
			assert.NotEmpty(t, s.attr("openlineage.job.name"), "job name on %s", s.Name)
		}
		assert.Equal(t, input, read.attr("openlineage.dataset.name"))
		assert.Equal(t, "file", read.attr("openlineage.dataset.namespace"))
		assert.Equal(t, "input", read.attr("openlineage.io.direction"))
		assert.Equal(t, clean, write.attr("openlineage.dataset.name"))
		assert.Equal(t, "output", write.attr("openlineage.io.direction"))
		assert.Equal(t, fmt.Sprint(repA.RowsClean), write.attr("sluice.io.rows"), "the clean rows were written")
		assert.Equal(t, fmt.Sprint(repA.RowsIn), read.attr("sluice.io.rows"))
		assert.Equal(t, "orders", check.attr("test.suite.name"), "the rule file's dataset names the suite")
		assert.Equal(t, "success", check.attr("test.suite.run.status"))
	})

	t.Run("consumer read links to the producer write", func(t *testing.T) {
		write := traceA.byPrefix("write ")
		read := traceB.byPrefix("read ")
		assert.Equal(t, clean, read.attr("openlineage.dataset.name"))
		assert.Equal(t, repB.Lineage.RunID, read.attr("openlineage.run.id"))
		require.Len(t, read.Links, 1, "one producer link on the read span")
		link := read.Links[0]
		assert.Equal(t, repA.Lineage.TraceID, link.TraceID)
		assert.Equal(t, write.SpanID, link.SpanID)
		attrs := link.attrs()
		assert.Equal(t, "file", attrs["openlineage.dataset.namespace"])
		assert.Equal(t, clean, attrs["openlineage.dataset.name"])
		assert.Equal(t, repA.Lineage.RunID, attrs["sluice.producer.run.id"])
	})
}

// e2eReport is the part of the JSON report the end-to-end test reads.
type e2eReport struct {
	Status    string `json:"status"`
	RowsIn    int64  `json:"rows_in"`
	RowsClean int64  `json:"rows_clean"`
	Lineage   struct {
		RunID   string `json:"run_id"`
		TraceID string `json:"trace_id"`
	} `json:"lineage"`
}

// buildSluice builds this command once into dir.
func buildSluice(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "sluice")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// otlpEnv is the process environment without any OTEL_* variable of the
// test's own environment, plus the exporter endpoint and protocol.
func otlpEnv(endpoint, protocol string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTEL_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"OTEL_EXPORTER_OTLP_ENDPOINT="+endpoint,
		"OTEL_EXPORTER_OTLP_PROTOCOL="+protocol,
	)
}

// runSluice runs bin in dir (so lineage files, if any, stay out of the
// source tree), requires exit 0 and decodes the JSON report.
func runSluice(t *testing.T, bin, dir string, env []string, args ...string) e2eReport {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, err, "sluice %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), stdout.String(), stderr.String())
	var rep e2eReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	require.Equal(t, "pass", rep.Status, stdout.String())
	require.Len(t, rep.Lineage.TraceID, 32, "lineage.trace_id in the report: %s", stdout.String())
	require.NotEmpty(t, rep.Lineage.RunID, "lineage.run_id in the report: %s", stdout.String())
	return rep
}

// OTLP JSON as Jaeger's /api/v3/traces/{id} returns it.
type (
	otlpTraceResponse struct {
		Result struct {
			ResourceSpans []struct {
				Resource struct {
					Attributes []otlpKV `json:"attributes"`
				} `json:"resource"`
				ScopeSpans []struct {
					Spans []otlpSpan `json:"spans"`
				} `json:"scopeSpans"`
			} `json:"resourceSpans"`
		} `json:"result"`
	}
	otlpSpan struct {
		TraceID      string     `json:"traceId"`
		SpanID       string     `json:"spanId"`
		ParentSpanID string     `json:"parentSpanId"`
		Name         string     `json:"name"`
		Attributes   []otlpKV   `json:"attributes"`
		Links        []otlpLink `json:"links"`
	}
	otlpLink struct {
		TraceID    string   `json:"traceId"`
		SpanID     string   `json:"spanId"`
		Attributes []otlpKV `json:"attributes"`
	}
	otlpKV struct {
		Key   string          `json:"key"`
		Value json.RawMessage `json:"value"`
	}
)

// str renders an OTLP AnyValue: strings as they are, numbers and booleans
// in their JSON form (int64 values are quoted by proto3 JSON).
func (kv otlpKV) str() string {
	var v map[string]json.RawMessage
	if json.Unmarshal(kv.Value, &v) != nil {
		return string(kv.Value)
	}
	for _, k := range []string{"stringValue", "intValue", "boolValue", "doubleValue"} {
		raw, ok := v[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return string(raw)
	}
	return string(kv.Value)
}

func kvMap(kvs []otlpKV) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.str()
	}
	return m
}

func (s *otlpSpan) attr(key string) string  { return kvMap(s.Attributes)[key] }
func (l otlpLink) attrs() map[string]string { return kvMap(l.Attributes) }

// jaegerTrace is one trace read back: its spans and the service.name of
// their resource.
type jaegerTrace struct {
	service string
	spans   []*otlpSpan
}

// byPrefix returns the first span whose name starts with prefix, or nil.
func (tr jaegerTrace) byPrefix(prefix string) *otlpSpan {
	for _, s := range tr.spans {
		if strings.HasPrefix(s.Name, prefix) {
			return s
		}
	}
	return nil
}

// waitForTrace polls Jaeger until the trace satisfies complete or
// jaegerTraceWait passes, then fails with the last state seen.
func waitForTrace(t *testing.T, query, traceID string, complete func(jaegerTrace) bool) jaegerTrace {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), jaegerTraceWait)
	defer cancel()
	url := strings.TrimSuffix(query, "/") + "/api/v3/traces/" + traceID
	var last jaegerTrace
	var lastErr error
	for {
		last, lastErr = fetchTrace(ctx, url)
		if lastErr == nil && complete(last) {
			return last
		}
		select {
		case <-ctx.Done():
			names := make([]string, 0, len(last.spans))
			for _, s := range last.spans {
				names = append(names, s.Name)
			}
			require.FailNow(t, "trace incomplete in Jaeger", "GET %s: spans %v, last error %v", url, names, lastErr)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

var errTraceNotFound = errors.New("trace not found (yet)")

func fetchTrace(ctx context.Context, url string) (jaegerTrace, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return jaegerTrace{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return jaegerTrace{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return jaegerTrace{}, err
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return jaegerTrace{}, errTraceNotFound
	case resp.StatusCode != http.StatusOK:
		return jaegerTrace{}, fmt.Errorf("status %s: %s", resp.Status, body)
	}
	var tr otlpTraceResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return jaegerTrace{}, fmt.Errorf("decoding %s: %w", body, err)
	}
	var out jaegerTrace
	for _, rs := range tr.Result.ResourceSpans {
		if svc := kvMap(rs.Resource.Attributes)["service.name"]; svc != "" {
			out.service = svc
		}
		for _, ss := range rs.ScopeSpans {
			for i := range ss.Spans {
				out.spans = append(out.spans, &ss.Spans[i])
			}
		}
	}
	return out, nil
}

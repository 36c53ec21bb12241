package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// otlpMetrics collects the export requests an in-process OTLP receiver got.
type otlpMetrics struct {
	mu   sync.Mutex
	reqs []*colmetricpb.ExportMetricsServiceRequest
	raw  [][]byte
	colmetricpb.UnimplementedMetricsServiceServer
}

// ServeHTTP is the OTLP/HTTP receiver: POST /v1/metrics, binary protobuf.
func (o *otlpMetrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/metrics" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "unexpected "+r.URL.Path, http.StatusNotFound)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := &colmetricpb.ExportMetricsServiceRequest{}
	if err := proto.Unmarshal(b, req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.add(req, b)
	out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// Export is the OTLP/gRPC receiver.
func (o *otlpMetrics) Export(_ context.Context, req *colmetricpb.ExportMetricsServiceRequest) (*colmetricpb.ExportMetricsServiceResponse, error) {
	b, _ := proto.Marshal(req)
	o.add(req, b)
	return &colmetricpb.ExportMetricsServiceResponse{}, nil
}

func (o *otlpMetrics) add(req *colmetricpb.ExportMetricsServiceRequest, raw []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reqs = append(o.reqs, req)
	o.raw = append(o.raw, raw)
}

// otlpPoint is one data point: its attributes and value (sum, or count
// and sum of a histogram).
type otlpPoint struct {
	attrs map[string]string
	value int64
	count uint64
	sum   float64
}

// metrics flattens what was received: metric name → unit and points, with
// the resource's service.name of each.
func (o *otlpMetrics) metrics(t *testing.T) (units map[string]string, points map[string][]otlpPoint, services []string) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	units, points = map[string]string{}, map[string][]otlpPoint{}
	for _, req := range o.reqs {
		for _, rm := range req.GetResourceMetrics() {
			for _, kv := range rm.GetResource().GetAttributes() {
				if kv.GetKey() == "service.name" {
					services = append(services, kv.GetValue().GetStringValue())
				}
			}
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					units[m.GetName()] = m.GetUnit()
					switch d := m.GetData().(type) {
					case *metricpb.Metric_Sum:
						assert.True(t, d.Sum.GetIsMonotonic(), m.GetName())
						for _, dp := range d.Sum.GetDataPoints() {
							points[m.GetName()] = append(points[m.GetName()], otlpPoint{attrs: otlpAttrs(dp.GetAttributes()), value: dp.GetAsInt()})
						}
					case *metricpb.Metric_Histogram:
						for _, dp := range d.Histogram.GetDataPoints() {
							points[m.GetName()] = append(points[m.GetName()], otlpPoint{attrs: otlpAttrs(dp.GetAttributes()), count: dp.GetCount(), sum: dp.GetSum()})
						}
					default:
						t.Errorf("%s: unexpected data %T", m.GetName(), d)
					}
				}
			}
		}
	}
	return units, points, services
}

func otlpAttrs(kvs []*commonpb.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	return m
}

// sumOf adds the values of the points whose attributes include want.
func sumOf(points []otlpPoint, want map[string]string) int64 {
	var n int64
	for _, p := range points {
		if matches(p.attrs, want) {
			n += p.value
		}
	}
	return n
}

func matches(attrs, want map[string]string) bool {
	for k, v := range want {
		if attrs[k] != v {
			return false
		}
	}
	return true
}

// clearMetricsEnv keeps a developer's OpenTelemetry settings out of the
// tests.
func clearMetricsEnv(t *testing.T) {
	clearOTLPEnv(t)
	for _, k := range []string{envMetricsExporter, envOTLPMetricsEndpoint, envOTLPMetricsProtocol} {
		t.Setenv(k, "")
	}
}

// TestCheckExportsMetricsOverOTLP runs sluice check on the orders example
// with an output and a quarantine, exporting to an in-process OTLP
// receiver over HTTP and over gRPC, and checks the names, units, values
// and attributes that arrive before sluice returns against the report.
func TestCheckExportsMetricsOverOTLP(t *testing.T) {
	for _, protocol := range []string{"http/protobuf", "grpc"} {
		t.Run(protocol, func(t *testing.T) {
			clearMetricsEnv(t)
			recv := &otlpMetrics{}
			switch protocol {
			case "grpc":
				lis, err := net.Listen("tcp", "127.0.0.1:0")
				require.NoError(t, err)
				srv := grpc.NewServer()
				colmetricpb.RegisterMetricsServiceServer(srv, recv)
				go func() { _ = srv.Serve(lis) }()
				t.Cleanup(srv.Stop)
				t.Setenv(envOTLPMetricsEndpoint, "http://"+lis.Addr().String())
			default:
				srv := httptest.NewServer(recv)
				t.Cleanup(srv.Close)
				t.Setenv(envOTLPMetricsEndpoint, srv.URL+"/v1/metrics")
			}
			t.Setenv(envOTLPMetricsProtocol, protocol)
			t.Setenv(envMetricsExporter, "otlp")
			t.Setenv("OTEL_SERVICE_NAME", "sluice-kpi-test")

			dir := t.TempDir()
			out, quar := filepath.Join(dir, "clean.parquet"), filepath.Join(dir, "quarantine.parquet")
			code, stdout, stderr := sluice(t, "check", "--no-lineage", "--format", "json", "--rules", ordersRules,
				"--out", out, "--quarantine", quar, "../../testdata/orders/orders.parquet")
			require.Equal(t, exitFail, code, stderr)
			assert.NotContains(t, stderr, "warning")
			var rep struct {
				Status          string `json:"status"`
				RowsIn          int64  `json:"rows_in"`
				RowsClean       int64  `json:"rows_clean"`
				RowsQuarantined int64  `json:"rows_quarantined"`
				Rules           []struct {
					Name     string `json:"name"`
					Severity string `json:"severity"`
					Passed   int64  `json:"passed"`
					Failed   int64  `json:"failed"`
				} `json:"rules"`
			}
			require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
			require.Equal(t, int64(10000), rep.RowsIn)
			require.Equal(t, int64(131), rep.RowsQuarantined)

			units, points, services := recv.metrics(t)
			require.NotEmpty(t, units, "metrics exported before exit")
			assert.Contains(t, services, "sluice-kpi-test")
			wantUnits := map[string]string{
				"sluice.rows.read": "{row}", "sluice.rows.checked": "{row}", "sluice.rows.clean": "{row}",
				"sluice.rows.quarantined": "{row}", "sluice.rule.outcomes": "{row}",
				"sluice.gate.decisions": "{decision}", "sluice.gate.duration": "s",
				"sluice.gate.stage.duration": "s", "sluice.io.read.bytes": "By", "sluice.io.written.bytes": "By",
			}
			for name, unit := range wantUnits {
				assert.Equal(t, unit, units[name], name)
			}
			ds := map[string]string{"dataset": "orders"}
			assert.Equal(t, rep.RowsIn, sumOf(points["sluice.rows.read"], ds))
			assert.Equal(t, rep.RowsIn, sumOf(points["sluice.rows.checked"], ds))
			assert.Equal(t, rep.RowsClean, sumOf(points["sluice.rows.clean"], ds))
			assert.Equal(t, rep.RowsQuarantined, sumOf(points["sluice.rows.quarantined"], ds))
			assert.Equal(t, int64(1), sumOf(points["sluice.gate.decisions"], map[string]string{"dataset": "orders", "verdict": "fail"}))
			for _, r := range rep.Rules {
				assert.Equal(t, r.Failed, sumOf(points["sluice.rule.outcomes"],
					map[string]string{"rule": r.Name, "severity": r.Severity, "outcome": "failed"}), r.Name)
				assert.Equal(t, r.Passed, sumOf(points["sluice.rule.outcomes"],
					map[string]string{"rule": r.Name, "outcome": "passed"}), r.Name)
			}
			in, err := os.Stat("../../testdata/orders/orders.parquet")
			require.NoError(t, err)
			assert.Equal(t, in.Size(), sumOf(points["sluice.io.read.bytes"], ds))
			q, err := os.Stat(quar)
			require.NoError(t, err)
			assert.Equal(t, q.Size(), sumOf(points["sluice.io.written.bytes"], map[string]string{"output": "quarantine"}))
			assert.Zero(t, sumOf(points["sluice.io.written.bytes"], map[string]string{"output": "clean"}), "the failed gate aborts the clean output")

			stages := map[string]uint64{}
			for _, p := range points["sluice.gate.stage.duration"] {
				assert.Equal(t, "orders", p.attrs["dataset"])
				assert.GreaterOrEqual(t, p.sum, 0.0)
				stages[p.attrs["stage"]] += p.count
			}
			assert.Equal(t, map[string]uint64{"open": 1, "scan": 1, "read": 1, "write": 1, "finish": 1, "commit": 1}, stages)
			dur := points["sluice.gate.duration"]
			require.Len(t, dur, 1)
			assert.Equal(t, uint64(1), dur[0].count)
			assert.Equal(t, map[string]string{"dataset": "orders", "verdict": "fail"}, dur[0].attrs)

			// Bounded attributes only: no values of the data, no e-mails.
			allowed := map[string]bool{"dataset": true, "rule": true, "severity": true, "outcome": true,
				"verdict": true, "stage": true, "output": true}
			for name, ps := range points {
				for _, p := range ps {
					for k, v := range p.attrs {
						assert.True(t, allowed[k], "%s: attribute %s", name, k)
						assert.NotContains(t, v, "@", "%s: %s", name, k)
					}
				}
			}
			recv.mu.Lock()
			all := bytes.Join(recv.raw, nil)
			recv.mu.Unlock()
			assert.NotContains(t, string(all), "@example.")
		})
	}
}

func TestMetricExporters(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
		err  string
	}{
		{"nothing set", nil, nil, ""},
		{"endpoint set", map[string]string{envOTLPEndpoint: "http://c:4318"}, []string{"otlp"}, ""},
		{"metrics endpoint set", map[string]string{envOTLPMetricsEndpoint: "http://c:4318/v1/metrics"}, []string{"otlp"}, ""},
		{"none wins", map[string]string{envOTLPEndpoint: "http://c:4318", envMetricsExporter: "none"}, nil, ""},
		{"console", map[string]string{envMetricsExporter: "console"}, []string{"console"}, ""},
		{"list", map[string]string{envMetricsExporter: "otlp, console"}, []string{"otlp", "console"}, ""},
		{"unknown", map[string]string{envMetricsExporter: "prometheus"}, nil, "want otlp, console or none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := metricExporters(func(k string) string { return tt.env[k] })
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, "grpc", otlpMetricsProtocol(func(k string) string {
		return map[string]string{envOTLPProtocol: "http/protobuf", envOTLPMetricsProtocol: "grpc"}[k]
	}))
}

// TestCheckConsoleMetrics: OTEL_METRICS_EXPORTER=console prints the
// metrics on stderr, leaving the report alone on stdout.
func TestCheckConsoleMetrics(t *testing.T) {
	clearMetricsEnv(t)
	t.Setenv(envMetricsExporter, "console")
	code, stdout, stderr := sluice(t, "check", "--no-lineage", "--format", "json", "--rules", ordersRules,
		"../../testdata/orders/orders.parquet")
	require.Equal(t, exitFail, code, stderr)
	assert.Contains(t, stderr, "sluice.rows.quarantined")
	assert.NotContains(t, stdout, "sluice.rows.quarantined")
	assert.True(t, strings.HasPrefix(strings.TrimSpace(stdout), "{"))
}

// TestCheckCountsLineageEmitFailures: a lineage endpoint that refuses the
// events is a warning, and each refused event is counted in
// sluice.lineage.emit.failures by job and event type.
func TestCheckCountsLineageEmitFailures(t *testing.T) {
	clearMetricsEnv(t)
	recv := &otlpMetrics{}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	t.Setenv(envOTLPMetricsEndpoint, srv.URL+"/v1/metrics")
	lin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
	}))
	t.Cleanup(lin.Close)
	code, _, stderr := sluice(t, "check", "--lineage-url", lin.URL, "--rules", ordersRules,
		"../../testdata/orders/orders.parquet")
	require.Equal(t, exitFail, code, stderr)
	assert.Contains(t, stderr, "sluice: warning: lineage:")
	units, points, _ := recv.metrics(t)
	assert.Equal(t, "{event}", units["sluice.lineage.emit.failures"])
	job := map[string]string{"job": "sluice/check.orders"}
	assert.Equal(t, int64(1), sumOf(points["sluice.lineage.emit.failures"], map[string]string{"job": job["job"], "event": "START"}))
	assert.Equal(t, int64(1), sumOf(points["sluice.lineage.emit.failures"], map[string]string{"job": job["job"], "event": "FAIL"}))
	assert.Equal(t, int64(2), sumOf(points["sluice.lineage.emit.failures"], nil))
	// The gate's metrics come with them.
	assert.Equal(t, int64(10000), sumOf(points["sluice.rows.read"], map[string]string{"dataset": "orders"}))
}

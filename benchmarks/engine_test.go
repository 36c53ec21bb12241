package benchmarks

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

// engine is one peer of the engine cases.
type engine struct {
	name string
	run  func(ctx context.Context, batches []arrow.RecordBatch) (*Result, error)
}

// enginesFor prepares every engine for rows (and, for Sluice and DuckDB,
// checks) over schema; DuckDB only when it is built in.
func enginesFor(t testing.TB, mem memory.Allocator, schema *arrow.Schema, rows []RowRule, checks []Check, metrics []string) []engine {
	t.Helper()
	s, err := NewSluice(schema, rows, checks)
	require.NoError(t, err)
	c, err := NewCelGo(schema, rows)
	require.NoError(t, err)
	cmp := NewCompute(mem, rows)
	t.Cleanup(cmp.Release)
	out := []engine{
		{"sluice", s.Run},
		{"celgo", c.Run},
		{"arrow-compute", func(ctx context.Context, b []arrow.RecordBatch) (*Result, error) {
			return cmp.Run(compute.WithAllocator(ctx, mem), b)
		}},
		{"loop", NewLoop(rows).Run},
	}
	if HaveDuckDB {
		d, err := NewDuckDB(context.Background(), 1, rows, metrics)
		require.NoError(t, err)
		t.Cleanup(d.Close)
		out = append(out, engine{"duckdb", d.Run})
	}
	return out
}

// TestEnginesAgree holds every engine of cases a–c to the same pass and
// evaluated counts per rule on a small input, so a wrong peer cannot look
// fast. Build with -tags duckdb_arrow to include DuckDB.
func TestEnginesAgree(t *testing.T) {
	// Two batches for a and b (the second partial), one for c.
	const rows, rowsC = EngineBatchRows + 3000, 8000
	tests := []struct {
		name    string
		batches func(mem memory.Allocator) []arrow.RecordBatch
		rules   []RowRule
		checks  []Check
	}{
		{"a plain", func(mem memory.Allocator) []arrow.RecordBatch { return CaseABatches(mem, rows, false) }, []RowRule{CaseARule}, nil},
		{"a dict", func(mem memory.Allocator) []arrow.RecordBatch { return CaseABatches(mem, rows, true) }, []RowRule{CaseARule}, nil},
		{"b suite", func(mem memory.Allocator) []arrow.RecordBatch { return WideBatches(mem, rows) }, CaseBRules, CaseBChecks},
		{"c 100 rules", func(mem memory.Allocator) []arrow.RecordBatch { return WideBatches(mem, rowsC) }, CaseCRules(100), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			batches := tt.batches(mem)
			defer ReleaseAll(batches)
			var metrics []string
			if tt.checks != nil {
				metrics = CaseBMetrics
			}
			engines := enginesFor(t, mem, batches[0].Schema(), tt.rules, tt.checks, metrics)
			ctx := context.Background()
			want, err := NewLoop(tt.rules).Run(ctx, batches)
			require.NoError(t, err)
			for _, c := range want.Rows {
				require.Positive(t, c.Pass, "a rule no row passes tells nothing")
				require.Less(t, c.Pass, int64(rows), "a rule every row passes tells little")
			}
			var sluiceMetrics map[string]float64
			for _, e := range engines {
				got, err := e.run(ctx, batches)
				require.NoError(t, err, e.name)
				require.Len(t, got.Rows, len(tt.rules), e.name)
				for i, c := range got.Rows {
					if c == nil {
						assert.False(t, tt.rules[i].Expr.HasKernels(), "%s left out %s", e.name, tt.rules[i].Name)
						continue
					}
					assert.Equal(t, *want.Rows[i], *c, "%s: %s", e.name, tt.rules[i].Name)
				}
				switch e.name {
				case "sluice":
					sluiceMetrics = got.Metrics
				case "duckdb":
					for m, v := range got.Metrics {
						tol := 1e-9 * math.Abs(v)
						if m == "quantile(amount, 0.5)" {
							tol = 0.02 * math.Abs(v) // both are sketches
						}
						assert.InDelta(t, sluiceMetrics[m], v, tol, m)
					}
				}
			}
			if tt.checks != nil {
				assert.Len(t, sluiceMetrics, len(CaseBMetrics), "metrics of the checks")
			}
		})
	}
}

// benchEngines runs every engine on batches as a sub-benchmark and reports
// rows/s.
func benchEngines(b *testing.B, batches []arrow.RecordBatch, rows []RowRule, checks []Check, metrics []string) {
	n := 0
	for _, r := range batches {
		n += int(r.NumRows())
	}
	for _, e := range enginesFor(b, memory.DefaultAllocator, batches[0].Schema(), rows, checks, metrics) {
		b.Run(e.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				if _, err := e.run(ctx, batches); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkEngineCaseA: amount >= 0.0 && status in [...] on 256Ki rows,
// status plain and dictionary-encoded.
func BenchmarkEngineCaseA(b *testing.B) {
	for _, dict := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "dict"}[dict], func(b *testing.B) {
			batches := CaseABatches(memory.DefaultAllocator, 4*EngineBatchRows, dict)
			defer ReleaseAll(batches)
			benchEngines(b, batches, []RowRule{CaseARule}, nil, nil)
		})
	}
}

// BenchmarkEngineCaseB: the PyDeequ-shaped suite on 128Ki rows.
func BenchmarkEngineCaseB(b *testing.B) {
	batches := WideBatches(memory.DefaultAllocator, 2*EngineBatchRows)
	defer ReleaseAll(batches)
	benchEngines(b, batches, CaseBRules, CaseBChecks, CaseBMetrics)
}

// BenchmarkEngineCaseC: 1, 10 and 100 row rules on 64Ki rows.
func BenchmarkEngineCaseC(b *testing.B) {
	batches := WideBatches(memory.DefaultAllocator, EngineBatchRows)
	defer ReleaseAll(batches)
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			benchEngines(b, batches, CaseCRules(n), nil, nil)
		})
	}
}

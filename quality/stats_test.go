package quality

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/rules"
)

// statsSource is a sliceSource whose batches are its chunks, with exact
// statistics of qty and email (unless inexact says otherwise).
type statsSource struct {
	*sliceSource
	inexact bool // the last chunk's min/max of qty are not exact
}

func (s *statsSource) NumRows(context.Context) (int64, error) {
	var n int64
	for _, b := range s.batches {
		n += b.NumRows()
	}
	return n, nil
}

func (s *statsSource) ColumnStats(context.Context) ([][]connectors.ColumnStats, error) {
	var out [][]connectors.ColumnStats
	for bi, b := range s.batches {
		qty := b.Column(3).(*array.Int64)
		q := connectors.ColumnStats{Column: "qty", NumValues: int64(qty.Len()), NullCount: int64(qty.NullN()), NullCountExact: true, MinMaxExact: !s.inexact || bi != len(s.batches)-1}
		for i := range qty.Len() {
			if qty.IsNull(i) {
				continue
			}
			v := qty.Value(i)
			if q.Min == nil || v < q.Min.(int64) {
				q.Min = v
			}
			if q.Max == nil || v > q.Max.(int64) {
				q.Max = v
			}
		}
		email := b.Column(1)
		e := connectors.ColumnStats{Column: "email", NumValues: int64(email.Len()), NullCount: int64(email.NullN()), NullCountExact: true}
		out = append(out, []connectors.ColumnStats{q, e})
	}
	return out, nil
}

const statsRules = `version: 1
dataset: orders
owner: payments@example.com
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
  - name: qty_floor
    check: min(qty) >= 1
  - name: qty_ceiling
    check: max(qty) <= 3
  - name: one_email_missing
    check: null_count(email) == 1
  - name: emails_mostly_present
    check: completeness(email) >= 0.8
  - name: enough_rows
    check: row_count() >= 6
`

// The gate answers null_count, completeness, min and max from exact
// statistics without reading the columns, with the report a full read
// gives; inexact bounds make it read the column.
func TestStatsAnswerMetrics(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	ctx := context.Background()
	prog := compile(t, statsRules, ordersSchema)
	require.Equal(t, []string{"email", "qty"}, prog.StatsColumns())

	run := func(src connectors.Source) *Report {
		g, err := NewGate(prog, WithClock(fixedClock()))
		require.NoError(t, err)
		rep, err := g.Run(ctx, src)
		require.NoError(t, err)
		return rep
	}
	plain := newSliceSource(t, mem, sixOrders, 2)
	want := run(plain)
	require.Equal(t, []string{"amount", "email", "qty"}, plain.opts[0].Columns)

	exact := &statsSource{sliceSource: newSliceSource(t, mem, sixOrders, 2)}
	got := run(exact)
	require.Equal(t, []string{"amount"}, exact.opts[0].Columns, "qty and email are not read")
	require.Len(t, got.Notes, len(want.Notes)+1)
	require.Contains(t, got.Notes[len(got.Notes)-1], "email, qty answered from the file's exact statistics")
	got.Notes = want.Notes
	require.Equal(t, want, got)
	for _, r := range got.Rules {
		if r.Name == "qty_floor" {
			require.Equal(t, StatusFail, r.Status, "min(qty) is 0")
		}
	}

	inexact := &statsSource{sliceSource: newSliceSource(t, mem, sixOrders, 2), inexact: true}
	got = run(inexact)
	require.Equal(t, []string{"amount", "qty"}, inexact.opts[0].Columns, "qty's bounds are not exact: read it")
	require.Contains(t, got.Notes[len(got.Notes)-1], "metrics of email answered")
	got.Notes = want.Notes
	require.Equal(t, want, got)
}

// A column a row rule reads is read, whatever its statistics.
func TestStatsNotForRowRuleColumns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	prog := compile(t, statsRules+"  - name: qty_set\n    expr: qty >= 0\n", ordersSchema)
	require.Equal(t, []string{"email"}, prog.StatsColumns())
	src := &statsSource{sliceSource: newSliceSource(t, mem, sixOrders, 2)}
	g, err := NewGate(prog, WithClock(fixedClock()))
	require.NoError(t, err)
	_, err = g.Run(context.Background(), src)
	require.NoError(t, err)
	require.Equal(t, []string{"amount", "qty"}, src.opts[0].Columns)
}

// plainSource hides every interface of a source but Source.
type plainSource struct{ connectors.Source }

// On a real Parquet file, min and max of columns nothing else reads come
// from the footer, with the report a full read gives.
func TestStatsFromParquetFooter(t *testing.T) {
	ctx := context.Background()
	src, err := parquetconnector.NewSource(filepath.Join("..", "testdata", "orders", "orders.parquet"))
	require.NoError(t, err)
	schema, err := src.Schema(ctx)
	require.NoError(t, err)
	rs, err := rules.Parse("stats.yaml", []byte(`version: 1
dataset: orders
owner: payments@example.com
rules:
  - name: recent
    check: max(ordered_at) >= timestamp('2026-01-01T00:00:00Z')
  - name: customers
    check: min(customer_id) >= 1
  - name: amounts
    check: min(amount) >= 0.0
  - name: rows
    check: row_count() >= 1
`))
	require.NoError(t, err)
	prog, err := rs.Compile(schema)
	require.NoError(t, err)
	require.Equal(t, []string{"amount", "customer_id", "ordered_at"}, prog.StatsColumns())
	run := func(s connectors.Source) *Report {
		g, err := NewGate(prog, WithClock(fixedClock()))
		require.NoError(t, err)
		rep, err := g.Run(ctx, s)
		require.NoError(t, err)
		return rep
	}
	want := run(plainSource{src})
	got := run(src)
	require.NotEmpty(t, got.Notes)
	require.Contains(t, got.Notes[len(got.Notes)-1], "customer_id, ordered_at answered from the file's exact statistics",
		"amount is a float: always read")
	got.Notes = want.Notes
	require.Equal(t, want, got)
}

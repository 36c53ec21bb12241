package rules

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

var dupsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "order_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "customer", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	{Name: "line", Type: arrow.PrimitiveTypes.Int64},
}, nil)

const dupsRules = `
version: 1
dataset: orders
owner: data@example.com
columns:
  order_id: {unique: true}
  buyer:    {name: customer, unique: true}
  at:       {unique: true}
  line:     {unique: true}
rules:
  - name: order_customer_unique
    check: duplicate_count(order_id, customer) == 0
  - name: customer_order_unique
    check: duplicate_count(customer, order_id) == 0
  - name: both_unique
    check: duplicate_count(order_id) == 0 && duplicate_count(buyer) == 0
  - name: unique_or_big
    check: duplicate_count(order_id) == 0 || row_count() > 100
  - name: few_duplicates
    check: duplicate_count(order_id) < 100
  - name: big
    check: row_count() > 100
`

// dupsBatches are two batches of orders: order 2 three times (with
// customer b), order 3 twice (customer c), two rows without an order id
// (customer a), and line numbers that never repeat.
func dupsBatches(t *testing.T, mem memory.Allocator) []arrow.RecordBatch {
	t.Helper()
	at := func(s string) arrow.Timestamp {
		tm, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return arrow.Timestamp(tm.UnixMicro())
	}
	day1, day2, day3 := at("2024-03-01T10:00:00Z"), at("2024-03-02T10:00:00Z"), at("2024-03-03T10:00:00Z")
	build := func(ids []int64, idValid []bool, customers []string, ats []arrow.Timestamp, lines []int64) arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, dupsSchema)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).AppendValues(ids, idValid)
		b.Field(1).(*array.StringBuilder).AppendValues(customers, nil)
		b.Field(2).(*array.TimestampBuilder).AppendValues(ats, nil)
		b.Field(3).(*array.Int64Builder).AppendValues(lines, nil)
		return b.NewRecordBatch()
	}
	return []arrow.RecordBatch{
		build([]int64{1, 2, 2, 3, 0, 0}, []bool{true, true, true, true, false, false},
			[]string{"a", "b", "b", "c", "a", "a"},
			[]arrow.Timestamp{day1, day1, day2, day2, day3, day1}, []int64{1, 2, 3, 4, 5, 6}),
		build([]int64{3, 2, 4, 5}, nil,
			[]string{"c", "b", "d", "e"},
			[]arrow.Timestamp{day3, day3, day3, day3}, []int64{7, 8, 9, 10}),
	}
}

// finishDuplicates runs Finish and indexes its results by rule name.
func finishDuplicates(t *testing.T, run *Run) map[string]CheckResult {
	t.Helper()
	res, err := run.Finish(context.Background())
	require.NoError(t, err)
	byName := map[string]CheckResult{}
	for i := range res {
		byName[res[i].Rule.Name] = res[i]
	}
	return byName
}

func TestFinishDuplicates(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rs, err := Parse("orders.yaml", []byte(dupsRules))
	require.NoError(t, err)
	prog, err := rs.Compile(dupsSchema)
	require.NoError(t, err)
	batches := dupsBatches(t, mem)
	for _, b := range batches {
		defer b.Release()
	}

	// One run over both batches, and one run per batch merged, as parallel
	// workers and partitions combine.
	whole := prog.NewRun(WithoutOutcomes())
	for _, b := range batches {
		_, err := whole.Eval(context.Background(), b)
		require.NoError(t, err)
	}
	merged := prog.NewRun(WithoutOutcomes())
	for _, b := range batches {
		part := prog.NewRun(WithoutOutcomes())
		_, err := part.Eval(context.Background(), b)
		require.NoError(t, err)
		require.NoError(t, merged.Merge(part))
	}

	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return tm.UTC()
	}
	d := func(n int64, vals ...any) Duplicate { return Duplicate{Values: vals, Count: n} }
	orders := []Duplicate{d(3, int64(2)), d(2, int64(3))}
	tests := []struct {
		rule    string
		outcome Outcome
		columns []string // of every duplicate: physical names
		want    []Duplicate
	}{
		{"order_id.unique", Fail, []string{"order_id"}, orders},
		{"buyer.unique", Fail, []string{"customer"}, []Duplicate{d(3, "a"), d(3, "b"), d(2, "c")}},
		{"at.unique", Fail, []string{"at"}, []Duplicate{d(5, utc("2024-03-03T10:00:00Z")), d(3, utc("2024-03-01T10:00:00Z")), d(2, utc("2024-03-02T10:00:00Z"))}},
		{"line.unique", Pass, nil, nil},
		{"order_customer_unique", Fail, []string{"order_id", "customer"}, []Duplicate{d(3, int64(2), "b"), d(2, int64(3), "c")}},
		{"customer_order_unique", Fail, []string{"customer", "order_id"}, []Duplicate{d(3, "b", int64(2)), d(2, "c", int64(3))}},
		{"both_unique", Fail, nil, nil},
		{"unique_or_big", Fail, []string{"order_id"}, orders},
		{"few_duplicates", Pass, nil, nil},
		{"big", Fail, nil, nil},
	}
	for name, run := range map[string]*Run{"one run": whole, "merged runs": merged} {
		got := finishDuplicates(t, run)
		require.Len(t, got, len(tests), name)
		for _, tt := range tests {
			t.Run(name+"/"+tt.rule, func(t *testing.T) {
				res, ok := got[tt.rule]
				require.True(t, ok, "no result for %s", tt.rule)
				require.Equal(t, tt.outcome, res.Outcome, "%s: %s", res.Rule.Check, res.Err)
				var want []Duplicate
				for _, w := range tt.want {
					w.Columns = tt.columns
					want = append(want, w)
				}
				assert.Equal(t, want, res.Duplicates)
			})
		}
	}
}

// TestFinishDuplicatesBounded checks that a failing check reports at most
// MaxDuplicateSamples keys, the most frequent, and that the counts are the
// key's rows.
func TestFinishDuplicatesBounded(t *testing.T) {
	mem := arrowtest.Allocator(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rs, err := Parse("ids.yaml", []byte("version: 1\ndataset: ids\nowner: data@example.com\ncolumns:\n  id: {unique: true}\n"))
	require.NoError(t, err)
	prog, err := rs.Compile(schema)
	require.NoError(t, err)

	// Key k (0 ≤ k < 50) occurs 2 + k%3 times: 16 keys four times, 17 three
	// times, 17 twice.
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	ids := b.Field(0).(*array.Int64Builder)
	for k := range int64(50) {
		for range 2 + k%3 {
			ids.Append(k)
		}
	}
	for k := range int64(1000) {
		ids.Append(1000 + k) // unique
	}
	batch := b.NewRecordBatch()
	defer batch.Release()
	run := prog.NewRun(WithoutOutcomes())
	_, err = run.Eval(context.Background(), batch)
	require.NoError(t, err)

	res := finishDuplicates(t, run)["id.unique"]
	require.Equal(t, Fail, res.Outcome)
	require.Len(t, res.Duplicates, MaxDuplicateSamples)
	var want []Duplicate
	for _, c := range []int64{4, 3} {
		for k := range int64(50) {
			if 2+k%3 == c && len(want) < MaxDuplicateSamples {
				want = append(want, Duplicate{Columns: []string{"id"}, Values: []any{k}, Count: c})
			}
		}
	}
	assert.Equal(t, want, res.Duplicates)
	assert.Equal(t, map[string]any{"duplicate_count(id)": int64(16*4 + 17*3 + 17*2)}, res.Metrics)
}

// TestDuplicatesOnlyForFailures checks that no state is read for a check
// that did not fail.
func TestDuplicatesOnlyForFailures(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rs, err := Parse("orders.yaml", []byte(dupsRules))
	require.NoError(t, err)
	prog, err := rs.Compile(dupsSchema)
	require.NoError(t, err)
	run := prog.NewRun(WithoutOutcomes())
	batches := dupsBatches(t, mem)
	for _, b := range batches {
		defer b.Release()
		_, err := run.Eval(context.Background(), b)
		require.NoError(t, err)
	}
	for i, cr := range prog.Checks() {
		if cr.Name != "order_id.unique" {
			continue
		}
		assert.NotEmpty(t, run.duplicates(i, Fail))
		for _, o := range []Outcome{Pass, Skip, Errored} {
			assert.Nil(t, run.duplicates(i, o), "outcome %d", o)
		}
	}
	assert.Nil(t, run.duplicates(-1, Fail))
	assert.Nil(t, run.duplicates(len(prog.Checks()), Fail))
}

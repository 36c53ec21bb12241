package quality

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
)

// Under strict (flag or rule file), a rule that checked nothing fails the
// gate; without it, it does not.
func TestStrictFailsOnNotEvaluated(t *testing.T) {
	const base = `version: 1
dataset: orders
owner: payments@example.com
columns:
  order_id: {type: int64}
  shipped:  {type: timestamp}
rules:
  - name: id_positive
    expr: order_id > 0
  - name: shipped_set
    check: null_count(shipped) == 0
    severity: warn
`
	for _, tc := range []struct {
		name   string
		yaml   string
		strict bool
		want   Status
	}{
		{"lenient", base, false, StatusFail}, // schema.shipped fails either way
		{"flag", base, true, StatusFail},
		{"rule file", "strict: true\n" + base, false, StatusFail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			gate, err := NewGate(compile(t, tc.yaml, ordersSchema), WithStrict(tc.strict))
			require.NoError(t, err)
			rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 4))
			require.NoError(t, err)
			assert.Equal(t, tc.want, rep.Status)
			strict := tc.strict || tc.name == "rule file"
			assert.Equal(t, strict, rep.Gate.Strict)
			if strict {
				assert.Contains(t, rep.Gate.Reasons, "strict: rule shipped_set was not evaluated")
			} else {
				assert.NotContains(t, rep.Gate.Reasons, "strict: rule shipped_set was not evaluated")
			}
		})
	}
}

// An input without rows passes, saying so first; under strict its rules
// that checked nothing fail it.
func TestNoRowsAndNoRulesAreNoted(t *testing.T) {
	const noRules = `version: 1
dataset: orders
owner: payments@example.com
`
	for _, tc := range []struct {
		name      string
		yaml      string
		rows      []order
		strict    bool
		want      Status
		wantNotes []string
	}{
		{"no rows", ordersRules, nil, false, StatusPass, []string{"the input has no rows: row rules were not evaluated"}},
		{"no rows strict", ordersRules, nil, true, StatusFail, []string{"the input has no rows: row rules were not evaluated"}},
		{"no rules", noRules, sixOrders, false, StatusPass, []string{"the rule file has no rules: nothing but the schema was checked"}},
		{"no rules strict", noRules, sixOrders, true, StatusFail, []string{"the rule file has no rules: nothing but the schema was checked"}},
		{"rows and rules", ordersRules, sixOrders, false, StatusFail, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			gate, err := NewGate(compile(t, tc.yaml, ordersSchema), WithStrict(tc.strict))
			require.NoError(t, err)
			rep, err := gate.Check(context.Background(), readerOf(t, mem, tc.rows, 4))
			require.NoError(t, err)
			assert.Equal(t, tc.want, rep.Status, rep.Gate.Reasons)
			assert.Equal(t, tc.wantNotes, rep.Notes)
		})
	}
}

// A reader's note on how it typed a column opens the report.
func TestReaderNotesReachTheReport(t *testing.T) {
	mem := arrowtest.Allocator(t)
	md := arrow.NewMetadata([]string{connectors.NoteKey}, []string{"mixed JSON types (number, string): read as string"})
	fields := ordersSchema.Fields()
	fields[1].Metadata = md
	sch := arrow.NewSchema(fields, nil)
	batches := batchesOf(t, mem, sixOrders, 6)
	rec := batches[0]
	defer rec.Release()
	withNote := array.NewRecordBatch(sch, rec.Columns(), rec.NumRows())
	defer withNote.Release()
	rdr, err := array.NewRecordReader(sch, []arrow.RecordBatch{withNote})
	require.NoError(t, err)
	defer rdr.Release()
	gate, err := NewGate(compile(t, ordersRules, ordersSchema))
	require.NoError(t, err)
	rep, err := gate.Check(context.Background(), rdr)
	require.NoError(t, err)
	assert.Equal(t, []string{"column email: mixed JSON types (number, string): read as string"}, rep.Notes)
}

// quarantine: false keeps a failing rule's rows out of the quarantine; the
// rule still decides the gate.
func TestNoQuarantineRule(t *testing.T) {
	const yaml = `version: 1
dataset: orders
owner: payments@example.com
rules:
  - name: id_small
    expr: order_id < 5
    quarantine: false
  - name: amount_non_negative
    expr: amount >= 0.0
`
	mem := arrowtest.Allocator(t)
	quar := newRecSink(t, "quarantine")
	gate, err := NewGate(compile(t, yaml, ordersSchema), WithQuarantine(quar))
	require.NoError(t, err)
	rep, err := gate.Run(context.Background(), newSliceSource(t, mem, sixOrders, 4))
	require.NoError(t, err)
	assert.Equal(t, StatusFail, rep.Status)
	require.Equal(t, int64(2), rep.Rule("id_small").Failed)
	assert.Equal(t, []int64{2, 5}, quar.ids(), "only amount_non_negative's rows")
	assert.Equal(t, [][]string{{"amount_non_negative"}, {"amount_non_negative"}}, quar.failedRules())
	assert.Equal(t, int64(2), rep.RowsQuarantined)
}

// countingSource knows its rows from metadata (connectors.RowCounter) and
// records the projection it is opened with.
type countingSource struct {
	rows   int64
	opened []string
}

func (s *countingSource) Dataset() lineage.Dataset {
	return lineage.Dataset{Namespace: "file", Name: "/data/orders.parquet"}
}
func (s *countingSource) Schema(context.Context) (*arrow.Schema, error) { return ordersSchema, nil }
func (s *countingSource) NumRows(context.Context) (int64, error)        { return s.rows, nil }
func (s *countingSource) Open(_ context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	s.opened = opts.Columns
	if opts.Columns == nil || len(opts.Columns) > 0 {
		return nil, fmt.Errorf("opened with columns %v, want none", opts.Columns)
	}
	empty := arrow.NewSchema(nil, nil)
	var batches []arrow.RecordBatch
	for left := s.rows; left > 0; left -= 1000 {
		batches = append(batches, array.NewRecordBatch(empty, nil, min(left, 1000)))
	}
	return array.NewRecordReader(empty, batches)
}

// A rule set that needs no column reads none from a source that counts its
// rows from metadata.
func TestRowCountReadsNoColumn(t *testing.T) {
	const yaml = `version: 1
dataset: orders
owner: payments@example.com
rules:
  - name: enough
    check: row_count() > 2000
`
	src := &countingSource{rows: 2500}
	gate, err := NewGate(compile(t, yaml, ordersSchema))
	require.NoError(t, err)
	rep, err := gate.Run(context.Background(), src)
	require.NoError(t, err)
	require.NotNil(t, src.opened)
	assert.Empty(t, src.opened)
	assert.Equal(t, StatusPass, rep.Status)
	assert.Equal(t, int64(2500), rep.RowsIn)
	assert.Equal(t, int64(2500), rep.Rule("enough").Metrics["row_count()"])
}

// A failing unique: true shows the repeated keys with their counts; a pii
// column's keys are redacted.
func TestDuplicateKeysInReport(t *testing.T) {
	const yaml = `version: 1
dataset: orders
owner: payments@example.com
columns:
  order_id: {type: int64, unique: true}
  email:    {type: string, unique: true, tags: [pii.email]}
`
	rows := []order{
		{1, sp("a@x.com"), fp(1), ip(1)},
		{2, sp("a@x.com"), fp(1), ip(1)},
		{2, sp("b@x.com"), fp(1), ip(1)},
		{3, sp("c@x.com"), fp(1), ip(1)},
		{2, sp("d@x.com"), fp(1), ip(1)},
		{3, sp("e@x.com"), fp(1), ip(1)},
	}
	mem := arrowtest.Allocator(t)
	gate, err := NewGate(compile(t, yaml, ordersSchema))
	require.NoError(t, err)
	rep, err := gate.Check(context.Background(), readerOf(t, mem, rows, 4))
	require.NoError(t, err)
	ids := rep.Rule("order_id.unique")
	require.NotNil(t, ids)
	assert.Equal(t, StatusFail, ids.Status)
	assert.Equal(t, []DuplicateKey{
		{Key: map[string]any{"order_id": int64(2)}, Count: 3},
		{Key: map[string]any{"order_id": int64(3)}, Count: 2},
	}, ids.Duplicates)
	emails := rep.Rule("email.unique")
	require.NotNil(t, emails)
	assert.Equal(t, []DuplicateKey{{Key: map[string]any{"email": Redacted}, Count: 2}}, emails.Duplicates)
	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, rep))
	assert.NotContains(t, buf.String(), "a@x.com")
	assert.Contains(t, buf.String(), `"duplicates"`)
}

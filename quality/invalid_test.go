package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
)

// markSource is a text-like source: its cells in bad did not parse, and
// it follows ReadOptions.Invalid as the CSV and JSON readers do.
type markSource struct {
	mem    memory.Allocator
	schema *arrow.Schema
	rows   string                    // JSON array of the parsed rows (bad cells null)
	bad    map[int]map[string]string // row → column → raw text
	opened connectors.ReadOptions
}

func (s *markSource) Dataset() lineage.Dataset {
	return lineage.Dataset{Namespace: "file", Name: "/data/orders.csv"}
}

func (s *markSource) Schema(context.Context) (*arrow.Schema, error) { return s.schema, nil }

func (s *markSource) Open(_ context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	s.opened = opts
	rec, _, err := array.RecordFromJSON(s.mem, s.schema, strings.NewReader(s.rows))
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	n := int(rec.NumRows())
	for row := range n {
		for col := range s.bad[row] {
			if opts.Policy(col) == connectors.InvalidError {
				return nil, fmt.Errorf("orders.csv:%d: column %s: not a valid value", row+2, col)
			}
		}
	}
	if !opts.Marks(fieldNames(s.schema)) {
		rec.Retain()
		return array.NewRecordReader(s.schema, []arrow.RecordBatch{rec})
	}
	b := array.NewStringBuilder(s.mem)
	defer b.Release()
	for row := range n {
		marked := map[string]string{}
		for col, raw := range s.bad[row] {
			if opts.Policy(col) == connectors.InvalidMark {
				marked[col] = raw
			}
		}
		if len(marked) == 0 {
			b.AppendNull()
			continue
		}
		js, err := json.Marshal(marked) // sorted keys: column order here
		if err != nil {
			return nil, err
		}
		b.Append(string(js))
	}
	marks := b.NewArray()
	defer marks.Release()
	fields := append(append([]arrow.Field{}, s.schema.Fields()...),
		arrow.Field{Name: connectors.InvalidColumn, Type: arrow.BinaryTypes.String, Nullable: true,
			Metadata: arrow.NewMetadata([]string{connectors.MarksKey}, []string{"1"})})
	sch := arrow.NewSchema(fields, nil)
	out := array.NewRecordBatch(sch, append(append([]arrow.Array{}, rec.Columns()...), marks), rec.NumRows())
	defer out.Release()
	return array.NewRecordReader(sch, []arrow.RecordBatch{out})
}

var markSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "amount", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "phone", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "when", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

const markRules = `version: 1
dataset: orders
owner: data@example.com
key: [id]
columns:
  id:     {type: int64}
  amount: {type: int64}
  phone:  {type: int64, tags: [pii.phone]}
  when:   {type: int64, on_invalid: "null"}
rules:
  - name: amount_positive
    expr: amount > 0
`

// markFixture: row 1 has an amount that did not parse, row 2 a phone
// number (pii), row 3 a score of the inferred column and a when (on_invalid:
// null), row 4 both amount and phone.
func markFixture(mem memory.Allocator) *markSource {
	return &markSource{
		mem:    mem,
		schema: markSchema,
		rows: `[{"id":1,"amount":5,"phone":1,"score":1.5,"when":1},
{"id":2,"amount":null,"phone":2,"score":2.5,"when":2},
{"id":3,"amount":7,"phone":null,"score":3.5,"when":3},
{"id":4,"amount":8,"phone":4,"score":null,"when":null},
{"id":5,"amount":null,"phone":null,"score":5.5,"when":5}]`,
		bad: map[int]map[string]string{
			1: {"amount": "12x"},
			2: {"phone": "555-call-alice"},
			3: {"score": "n/a", "when": "soon"},
			4: {"amount": "-", "phone": "+1 555 0100 alice"},
		},
	}
}

// Values that did not parse fail <key>.type, are quarantined with their raw
// text (redacted for pii) and never reach the clean output; every other row
// is checked and written.
func TestTypeViolationsAreRowFailures(t *testing.T) {
	mem := arrowtest.Allocator(t)
	src := markFixture(mem)
	prog := compile(t, markRules, markSchema)
	clean, quar := newRecSink(t, "clean"), newRecSink(t, "quarantine")
	gate, err := NewGate(prog, WithMode(ModeFilter), WithSink(clean), WithQuarantine(quar))
	require.NoError(t, err)
	rep, err := gate.Run(context.Background(), src)
	require.NoError(t, err)

	assert.Equal(t, connectors.InvalidNull, src.opened.Policy("when"))
	assert.Equal(t, connectors.InvalidMark, src.opened.Policy("amount"))
	assert.Equal(t, connectors.InvalidMark, src.opened.Policy("score"), "an inferred column's type holds for every row")

	assert.Equal(t, StatusFail, rep.Status)
	assert.Equal(t, int64(5), rep.RowsIn)
	assert.Equal(t, int64(1), rep.RowsClean)
	assert.Equal(t, int64(4), rep.RowsQuarantined)
	assert.Equal(t, []string{"id.type", "amount.type", "phone.type", "score.type", "amount_positive"}, names(rep))

	amount := rep.Rule("amount.type")
	require.NotNil(t, amount)
	assert.Equal(t, StatusFail, amount.Status)
	assert.Equal(t, int64(5), amount.Evaluated)
	assert.Equal(t, int64(2), amount.Failed)
	require.Len(t, amount.Samples, 2)
	assert.Equal(t, Sample{Row: 1, Values: map[string]any{"amount": "12x"}, Key: map[string]any{"id": int64(2)}}, amount.Samples[0])
	assert.Equal(t, []string{"id"}, rep.Key)
	assert.Contains(t, amount.Message, "did not parse as int64")

	phone := rep.Rule("phone.type")
	require.NotNil(t, phone)
	assert.Equal(t, int64(2), phone.Failed)
	for _, smp := range phone.Samples {
		assert.Equal(t, Redacted, smp.Values["phone"])
	}
	score := rep.Rule("score.type")
	require.NotNil(t, score)
	assert.Equal(t, int64(1), score.Failed)
	assert.Contains(t, score.Message, "inferred")
	id := rep.Rule("id.type")
	require.NotNil(t, id)
	assert.Equal(t, StatusPass, id.Status)
	assert.Nil(t, rep.Rule("when.type"), "on_invalid: null has no rule")

	// The null amounts are not evaluated by amount_positive: only the type rule fails them.
	pos := rep.Rule("amount_positive")
	require.NotNil(t, pos)
	assert.Equal(t, StatusPass, pos.Status)

	assert.Equal(t, "aborted", clean.State())
	assert.Equal(t, []int64{2, 3, 4, 5}, int64Column(quar.batches, "id"))
	assert.Equal(t, [][]string{{"amount.type"}, {"phone.type"}, {"score.type"}, {"amount.type", "phone.type"}}, quar.failedRules())
	var marks []string
	for _, b := range quar.batches {
		col := b.Column(b.Schema().FieldIndices(InvalidColumn)[0]).(*array.String)
		for i := range col.Len() {
			marks = append(marks, col.Value(i))
		}
	}
	assert.Equal(t, []string{
		`{"amount":"12x"}`,
		`{"phone":"[redacted]"}`,
		`{"score":"n/a"}`,
		`{"amount":"-","phone":"[redacted]"}`,
	}, marks)
	assert.Equal(t, "committed", rep.Gate.Quarantine)
	assert.Equal(t, "aborted", rep.Gate.Clean)
}

// A reader that marks nothing still has the marks column; the clean output
// never gets it, and a passing run writes every row.
func TestCleanOutputHasNoMarks(t *testing.T) {
	mem := arrowtest.Allocator(t)
	src := markFixture(mem)
	src.bad = map[int]map[string]string{3: {"when": "soon"}} // on_invalid: null
	src.rows = strings.ReplaceAll(src.rows, `"amount":null`, `"amount":9`)
	prog := compile(t, markRules, markSchema)
	clean, quar := newRecSink(t, "clean"), newRecSink(t, "quarantine")
	gate, err := NewGate(prog, WithMode(ModeFilter), WithSink(clean), WithQuarantine(quar))
	require.NoError(t, err)
	rep, err := gate.Run(context.Background(), src)
	require.NoError(t, err)
	assert.Equal(t, StatusPass, rep.Status, rep.Gate.Reasons)
	assert.Equal(t, "committed", clean.State())
	assert.Equal(t, []int64{1, 2, 3, 4, 5}, int64Column(clean.batches, "id"))
	assert.True(t, clean.schema.Equal(markSchema), "clean schema: %s", clean.schema)
	assert.Equal(t, []string{"id.type", "amount.type", "phone.type", "amount_positive"}, names(rep))
}

// A column named _sluice_invalid in a typed input (a quarantine read back)
// is data: checked, and written to the clean output, never taken for marks.
func TestInvalidColumnInDataIsData(t *testing.T) {
	mem := arrowtest.Allocator(t)
	sch := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: InvalidColumn, Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rec, _, err := array.RecordFromJSON(mem, sch, strings.NewReader(`[{"id":1,"_sluice_invalid":"{\"id\":\"x\"}"},{"id":2}]`))
	require.NoError(t, err)
	defer rec.Release()
	rdr, err := array.NewRecordReader(sch, []arrow.RecordBatch{rec})
	require.NoError(t, err)
	defer rdr.Release()
	prog := compile(t, "version: 1\ndataset: q\nowner: o@example.com\nrules:\n  - name: ids\n    expr: id > 0\n", sch)
	gate, err := NewGate(prog)
	require.NoError(t, err)
	filtered, report := gate.Filter(context.Background(), rdr)
	defer filtered.Release()
	require.True(t, filtered.Schema().Equal(sch), "%s", filtered.Schema())
	rows := int64(0)
	for filtered.Next() {
		rows += filtered.RecordBatch().NumRows()
		require.Equal(t, 2, int(filtered.RecordBatch().NumCols()))
	}
	rep, err := report()
	require.NoError(t, err)
	assert.Equal(t, int64(2), rows)
	assert.Equal(t, StatusPass, rep.Status)
	assert.Equal(t, []string{"ids"}, names(rep))
}

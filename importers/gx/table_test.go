package gx_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/importers/gx"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

// gateSuite imports suite with the schema of rec, gates rec with the rule
// file and returns each rule's status by name, and the translated rules.
func gateSuite(t *testing.T, mem memory.Allocator, suite string, rec arrow.RecordBatch, opts ...quality.Option) (map[string]quality.Status, map[string]string) {
	t.Helper()
	f, err := gx.Import([]byte(suite), gx.Options{Schema: rec.Schema(), Owner: "o@example.com"})
	require.NoError(t, err)
	require.Empty(t, f.Notes, "every expectation translates")
	text := f.YAML()
	rs, err := rules.Parse("suite.yaml", text)
	require.NoError(t, err, "the importer's output must load:\n%s", text)
	exprs := map[string]string{}
	for _, r := range rs.Rules {
		exprs[r.Name] = r.Expr + r.Check
	}
	prog, err := rs.Compile(rec.Schema())
	require.NoError(t, err, "compile:\n%s", text)
	gate, err := quality.NewGate(prog, append([]quality.Option{quality.WithAllocator(mem)}, opts...)...)
	require.NoError(t, err)
	reader, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	require.NoError(t, err)
	defer reader.Release()
	rep, err := gate.Check(context.Background(), reader)
	require.NoError(t, err)
	got := map[string]quality.Status{}
	for _, r := range rep.Rules {
		got[r.Name] = r.Status
	}
	return got, exprs
}

// layoutBatch has the columns b, a, c (not sorted) and three rows.
func layoutBatch(t *testing.T, mem memory.Allocator) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "c", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	bld.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	bld.Field(1).(*array.Int64Builder).AppendValues([]int64{1, 1, 5}, nil)
	bld.Field(2).(*array.StringBuilder).AppendValues([]string{"x", "y", "z"}, nil)
	return bld.NewRecordBatch()
}

func TestTableExpectations(t *testing.T) {
	tests := []struct {
		name, kwargs, typ string
		rule, expr        string
		want              quality.Status
	}{
		{"count equal", `{"value": 3}`, "expect_table_column_count_to_equal", "table.column_count", "column_count() == 3", quality.StatusPass},
		{"count not equal", `{"value": 4}`, "expect_table_column_count_to_equal", "table.column_count", "column_count() == 4", quality.StatusFail},
		{"count between", `{"min_value": 1, "max_value": 3}`, "expect_table_column_count_to_be_between", "table.column_count", "column_count() >= 1 && column_count() <= 3", quality.StatusPass},
		{"count above max", `{"max_value": 2}`, "expect_table_column_count_to_be_between", "table.column_count", "column_count() <= 2", quality.StatusFail},
		{"ordered list in data order", `{"column_list": ["b", "a", "c"]}`, "expect_table_columns_to_match_ordered_list", "table.columns", `columns() == ["b", "a", "c"]`, quality.StatusPass},
		{"ordered list sorted is not the data's order", `{"column_list": ["a", "b", "c"]}`, "expect_table_columns_to_match_ordered_list", "table.columns", `columns() == ["a", "b", "c"]`, quality.StatusFail},
		{"set exact in any order", `{"column_set": ["c", "a", "b"]}`, "expect_table_columns_to_match_set", "table.columns_set",
			`["c", "a", "b"].all(c, c in columns()) && columns().all(c, c in ["c", "a", "b"])`, quality.StatusPass},
		{"set exact with an extra data column", `{"column_set": ["a", "b"]}`, "expect_table_columns_to_match_set", "table.columns_set",
			`["a", "b"].all(c, c in columns()) && columns().all(c, c in ["a", "b"])`, quality.StatusFail},
		{"subset without exact_match", `{"column_set": ["a", "b"], "exact_match": false}`, "expect_table_columns_to_match_set", "table.columns_set",
			`["a", "b"].all(c, c in columns())`, quality.StatusPass},
		{"subset with a missing column", `{"column_set": ["a", "d"], "exact_match": false}`, "expect_table_columns_to_match_set", "table.columns_set",
			`["a", "d"].all(c, c in columns())`, quality.StatusFail},
		{"column at its index", `{"column": "a", "column_index": 1}`, "expect_column_to_exist", "a.column_index", `size(columns()) > 1 && columns()[1] == "a"`, quality.StatusPass},
		{"column at another index", `{"column": "a", "column_index": 0}`, "expect_column_to_exist", "a.column_index", `size(columns()) > 0 && columns()[0] == "a"`, quality.StatusFail},
		{"index past the last column", `{"column": "c", "column_index": 3}`, "expect_column_to_exist", "c.column_index", `size(columns()) > 3 && columns()[3] == "c"`, quality.StatusFail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			rec := layoutBatch(t, mem)
			defer rec.Release()
			suite := `{"name": "s", "expectations": [{"type": "` + tc.typ + `", "kwargs": ` + tc.kwargs + `}]}`
			got, exprs := gateSuite(t, mem, suite, rec)
			assert.Equal(t, tc.expr, exprs[tc.rule])
			assert.Equal(t, tc.want, got[tc.rule])
		})
	}
}

func TestTableExpectationsInvalid(t *testing.T) {
	tests := []struct{ typ, kwargs string }{
		{"expect_table_column_count_to_equal", `{"value": "hello"}`},
		{"expect_table_column_count_to_be_between", `{"min_value": 2, "max_value": 1}`},
		{"expect_table_column_count_to_be_between", `{"min_value": "quack"}`},
		{"expect_table_columns_to_match_set", `{"column_set": ["a"], "exact_match": "yes"}`},
		{"expect_column_to_exist", `{"column": "a", "column_index": -1}`},
		{"expect_table_row_count_to_equal_other_table", `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.typ+tc.kwargs, func(t *testing.T) {
			suite := `{"name": "s", "expectations": [{"type": "` + tc.typ + `", "kwargs": ` + tc.kwargs + `}]}`
			s, err := gx.ParseSuite([]byte(suite))
			require.NoError(t, err)
			f := gx.Translate(s, gx.Options{})
			assert.Empty(t, f.Rules)
			require.Len(t, f.Notes, 1)
			assert.False(t, f.Notes[0].Partial)
		})
	}
}

// The other table is read through the run's reference opener, as a
// missing_references check reads its dataset.
func TestRowCountEqualOtherTable(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rec := layoutBatch(t, mem)
	defer rec.Release()
	suite := `{"name": "s", "expectations": [{"type": "expect_table_row_count_to_equal_other_table", "kwargs": {"other_table_name": "orders_copy"}}]}`

	s, err := gx.ParseSuite([]byte(suite))
	require.NoError(t, err)
	f := gx.Translate(s, gx.Options{})
	require.Len(t, f.Notes, 1)
	assert.True(t, f.Notes[0].Partial, "the table name is read as a path: the note says so")
	assert.Contains(t, string(f.YAML()), "PARTIAL")

	for _, tc := range []struct {
		rows int64
		want quality.Status
	}{{3, quality.StatusPass}, {2, quality.StatusFail}} {
		var opened []rules.Reference
		open := func(_ context.Context, ref rules.Reference) (array.RecordReader, error) {
			opened = append(opened, ref)
			other := rec.NewSlice(0, tc.rows)
			defer other.Release()
			return array.NewRecordReader(other.Schema(), []arrow.RecordBatch{other})
		}
		fi := gx.Translate(s, gx.Options{})
		rs, err := rules.Parse("suite.yaml", fi.YAML())
		require.NoError(t, err)
		prog, err := rs.Compile(rec.Schema())
		require.NoError(t, err)
		gate, err := quality.NewGate(prog, quality.WithAllocator(mem), quality.WithReferences(open))
		require.NoError(t, err)
		reader, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
		require.NoError(t, err)
		rep, err := gate.Check(context.Background(), reader)
		reader.Release()
		require.NoError(t, err)
		require.Len(t, rep.Rules, 1)
		assert.Equal(t, "row_count() == row_count(\"orders_copy\")", rep.Rules[0].Expr)
		assert.Equal(t, tc.want, rep.Rules[0].Status)
		assert.Equal(t, []rules.Reference{{Dataset: "orders_copy"}}, opened)
	}
}

// Value bounds that read now() become bounds on min() and max() (now()
// exists only in dataset checks); with mostly below 1 they are refused.
func TestValuesBetweenNow(t *testing.T) {
	suite := `{"name": "s", "expectations": [
		{"type": "expect_column_values_to_be_between", "kwargs": {"column": "ts", "min_value": {"$PARAMETER": "now() - timedelta(weeks=52)"}, "max_value": {"$PARAMETER": "now()"}, "strict_max": true}},
		{"type": "expect_column_values_to_be_between", "kwargs": {"column": "ts", "max_value": {"$PARAMETER": "now()"}, "mostly": 0.9}}]}`
	f, err := gx.Import([]byte(suite), gx.Options{})
	require.NoError(t, err)
	require.Len(t, f.Rules, 1)
	assert.Equal(t, "min(ts) >= now() - duration('8736h') && max(ts) < now()", f.Rules[0].Check)
	require.Len(t, f.Notes, 1)
	assert.Contains(t, f.Notes[0].Reason, "mostly cannot be applied")
}

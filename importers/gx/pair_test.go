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

// pairBatch: six rows; hi > lo except row 3 (a tie) and row 4 (hi < lo);
// row 5 has lo null, row 6 has both null. f is lo as doubles.
//
//	row  hi   lo   f     s
//	1    2    1    1.0   "a"
//	2    5    3    3.0   "b"
//	3    4    4    4.0   "c"
//	4    1    2    2.0   "d"
//	5    7    -    -     "e"
//	6    -    -    -     -
func pairBatch(t *testing.T, mem memory.Allocator) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "hi", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "lo", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{2, 5, 4, 1, 7, 0}, []bool{true, true, true, true, true, false})
	valid := []bool{true, true, true, true, false, false}
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{1, 3, 4, 2, 0, 0}, valid)
	b.Field(2).(*array.Float64Builder).AppendValues([]float64{1, 3, 4, 2, 0, 0}, valid)
	b.Field(3).(*array.StringBuilder).AppendValues([]string{"a", "b", "c", "d", "e", ""}, []bool{true, true, true, true, true, false})
	return b.NewRecordBatch()
}

// gateOne imports one expectation against rec's schema, gates rec with it
// on the given engine and returns its one rule's result.
func gateOne(t *testing.T, mem memory.Allocator, rec arrow.RecordBatch, typ, kwargs, engine string) quality.RuleResult {
	t.Helper()
	suite := `{"name": "s", "expectations": [{"type": "` + typ + `", "kwargs": ` + kwargs + `}]}`
	f, err := gx.Import([]byte(suite), gx.Options{Schema: rec.Schema(), Owner: "o@example.com"})
	require.NoError(t, err)
	require.Empty(t, f.Notes)
	rs, err := rules.Parse("s.yaml", f.YAML())
	require.NoError(t, err)
	prog, err := rs.Compile(rec.Schema(), rules.WithEngine(engine))
	require.NoError(t, err, "%s", f.YAML())
	gate, err := quality.NewGate(prog, quality.WithAllocator(mem))
	require.NoError(t, err)
	reader, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	require.NoError(t, err)
	defer reader.Release()
	rep, err := gate.Check(context.Background(), reader)
	require.NoError(t, err)
	require.Len(t, rep.Rules, 1)
	return rep.Rules[0]
}

func TestColumnPairExpectations(t *testing.T) {
	tests := []struct {
		name, typ, kwargs string
		// failed and skipped rows; the rule passes when failed is 0 or
		// mostly allows it.
		failed, skipped int64
		pass            bool
		// mixed: a comparison across types CEL only makes on dyn values,
		// which the interpreter evaluates.
		mixed bool
	}{
		// Default ignore_row_if: both_values_are_missing. Row 5 (one
		// value missing) is evaluated and fails; row 6 is not counted.
		{"greater, default", "expect_column_pair_values_A_to_be_greater_than_B", `{"column_A": "hi", "column_B": "lo"}`, 3, 1, false, false},
		{"greater or equal", "expect_column_pair_values_A_to_be_greater_than_B", `{"column_A": "hi", "column_B": "lo", "or_equal": true}`, 2, 1, false, false},
		{"greater, either missing ignored", "expect_column_pair_values_A_to_be_greater_than_B",
			`{"column_A": "hi", "column_B": "lo", "or_equal": true, "ignore_row_if": "either_value_is_missing"}`, 1, 2, false, false},
		{"greater, mostly", "expect_column_pair_values_A_to_be_greater_than_B",
			`{"column_A": "hi", "column_B": "lo", "or_equal": true, "ignore_row_if": "either_value_is_missing", "mostly": 0.75}`, 1, 2, true, false},
		{"greater, neither ignored", "expect_column_pair_values_A_to_be_greater_than_B",
			`{"column_A": "hi", "column_B": "lo", "ignore_row_if": "neither"}`, 4, 0, false, false},
		{"legacy lower-case name", "expect_column_pair_values_a_to_be_greater_than_b", `{"column_A": "hi", "column_B": "lo", "ignore_row_if": "either_value_is_missing"}`, 2, 2, false, false},
		{"greater across int and double", "expect_column_pair_values_A_to_be_greater_than_B", `{"column_A": "hi", "column_B": "f", "ignore_row_if": "either_value_is_missing"}`, 2, 2, false, false},
		{"equal to itself", "expect_column_pair_values_to_be_equal", `{"column_A": "lo", "column_B": "lo"}`, 0, 2, true, false},
		{"equal int and double", "expect_column_pair_values_to_be_equal", `{"column_A": "lo", "column_B": "f"}`, 0, 2, true, false},
		{"equal, one missing fails", "expect_column_pair_values_to_be_equal", `{"column_A": "hi", "column_B": "lo", "mostly": 0.2}`, 4, 1, true, false},
		{"equal number and text", "expect_column_pair_values_to_be_equal", `{"column_A": "lo", "column_B": "s", "ignore_row_if": "either_value_is_missing"}`, 4, 2, false, true},
		{"in set", "expect_column_pair_values_to_be_in_set",
			`{"column_A": "hi", "column_B": "lo", "value_pairs_set": [[2, 1], [5, 3], [4, 4], [1, 2]]}`, 1, 1, false, false},
		{"in set, either missing ignored", "expect_column_pair_values_to_be_in_set",
			`{"column_A": "hi", "column_B": "lo", "ignore_row_if": "either_value_is_missing", "value_pairs_set": [[2, 1], [5, 3], [4, 4], [1, 2]]}`, 0, 2, true, false},
		{"in set with a null pair", "expect_column_pair_values_to_be_in_set",
			`{"column_A": "hi", "column_B": "lo", "value_pairs_set": [[2, 1], [5, 3], [4, 4], [1, 2], [7, null]]}`, 0, 1, true, false},
		{"in set, doubles for an int column", "expect_column_pair_values_to_be_in_set",
			`{"column_A": "f", "column_B": "s", "ignore_row_if": "either_value_is_missing", "value_pairs_set": [[1, "a"], [3, "b"], [4, "c"], [2, "x"]]}`, 1, 2, false, false},
		// Multicolumn: GX's default all_values_are_missing evaluates a row
		// with some missing values (a missing value differs from a
		// present one); never evaluates every row.
		// row_condition: rows outside it are not counted (rows 1 and 2
		// have hi < 5... hi <= 4 keeps rows 1, 3 and 4).
		{"greater, row_condition", "expect_column_pair_values_A_to_be_greater_than_B",
			`{"column_A": "hi", "column_B": "lo", "row_condition": "hi <= 4", "condition_parser": "pandas"}`, 2, 3, false, false},
		{"unique within record", "expect_select_column_values_to_be_unique_within_record", `{"column_list": ["hi", "lo"]}`, 1, 1, false, false},
		{"unique within record, int and double", "expect_select_column_values_to_be_unique_within_record", `{"column_list": ["lo", "f"]}`, 4, 2, false, false},
		{"unique within record, never", "expect_select_column_values_to_be_unique_within_record", `{"column_list": ["hi", "lo"], "ignore_row_if": "never"}`, 2, 0, false, false},
		{"unique within record, any missing", "expect_select_column_values_to_be_unique_within_record", `{"column_list": ["hi", "lo", "s"], "ignore_row_if": "any_value_is_missing"}`, 1, 2, false, true},
	}
	for _, tc := range tests {
		for _, engine := range []string{rules.EngineAuto, rules.EngineInterpreter} {
			t.Run(tc.name+"/"+engine, func(t *testing.T) {
				mem := arrowtest.Allocator(t)
				rec := pairBatch(t, mem)
				defer rec.Release()
				r := gateOne(t, mem, rec, tc.typ, tc.kwargs, engine)
				assert.Equal(t, tc.failed, r.Failed, "failed rows (%s)", r.Expr)
				assert.Equal(t, tc.skipped, r.Skipped, "rows not counted (%s)", r.Expr)
				assert.Equal(t, tc.pass, r.Status == quality.StatusPass, "status %s (%s)", r.Status, r.Expr)
				if engine == rules.EngineAuto && !tc.mixed {
					assert.Equal(t, rules.EngineVectorized, r.Engine, "the translation runs vectorized (%s)", r.Expr)
				}
			})
		}
	}
}

func TestColumnPairExpectationsRefused(t *testing.T) {
	tests := []struct {
		typ, kwargs string
		kind        error
	}{
		{"expect_column_pair_values_to_be_equal", `{"column_A": "a"}`, gx.ErrInvalid},
		{"expect_column_pair_values_to_be_equal", `{"column_A": "a", "column_B": "b", "ignore_row_if": "any_value_is_missing"}`, gx.ErrInvalid},
		{"expect_column_pair_values_to_be_in_set", `{"column_A": "a", "column_B": "b", "value_pairs_set": [[1, 2, 3]]}`, gx.ErrInvalid},
		{"expect_column_pair_values_A_to_be_greater_than_B", `{"column_A": "a", "column_B": "b", "parse_strings_as_datetimes": true}`, gx.ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.typ+tc.kwargs, func(t *testing.T) {
			s, err := gx.ParseSuite([]byte(`{"name": "s", "expectations": [{"type": "` + tc.typ + `", "kwargs": ` + tc.kwargs + `}]}`))
			require.NoError(t, err)
			err = gx.TranslateOne(nil, s.Expectations[0], gx.Options{})
			assert.ErrorIs(t, err, tc.kind)
		})
	}
}

package pii

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

// scanBatch builds a batch with a plain string column, a dictionary
// column and an int column from the same values.
func scanBatch(t *testing.T, mem memory.Allocator, values []string, valid []bool) arrow.RecordBatch {
	t.Helper()
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	sb.AppendValues(values, valid)
	plain := sb.NewArray()
	defer plain.Release()

	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	db := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
	defer db.Release()
	for i, v := range values {
		if valid != nil && !valid[i] {
			db.AppendNull()
			continue
		}
		require.NoError(t, db.AppendString(v))
	}
	dict := db.NewArray()
	defer dict.Release()

	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	for i := range values {
		ib.Append(int64(i))
	}
	ints := ib.NewArray()
	defer ints.Release()

	schema := arrow.NewSchema([]arrow.Field{
		{Name: "plain", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "dict", Type: dt, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{plain, dict, ints}, int64(len(values)))
}

func TestScan(t *testing.T) {
	mem := arrowtest.Allocator(t)
	values := []string{"a@example.com", "+49 30 901820", "b@example.org", "hello", "", "4111 1111 1111 1111", "x", "c@example.net"}
	valid := []bool{true, true, true, true, false, true, true, true}
	b1 := scanBatch(t, mem, values[:4], valid[:4])
	defer b1.Release()
	b2 := scanBatch(t, mem, values[4:], valid[4:])
	defer b2.Release()

	tests := []struct {
		name  string
		every int
		want  ColumnResult
	}{
		{"every row", 0, ColumnResult{Rows: 8, Values: 7, Matches: []Match{
			{Kind: KindEmail, Label: "e-mail addresses", Count: 3, Fraction: 3.0 / 7},
			{Kind: KindPhone, Label: "phone numbers", Count: 1, Fraction: 1.0 / 7},
			{Kind: KindCreditCard, Label: "payment card numbers", Count: 1, Fraction: 1.0 / 7},
		}}},
		// Rows 0, 3, 6 across the batch boundary: a@…, hello, x.
		{"every third row", 3, ColumnResult{Rows: 3, Values: 3, Matches: []Match{
			{Kind: KindEmail, Label: "e-mail addresses", Count: 1, Fraction: 1.0 / 3},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewScanner(ScanOptions{Every: tt.every})
			s.Add(b1)
			s.Add(b2)
			got := s.Results()
			require.Len(t, got, 2, "the int column is not scanned")
			for i, col := range []string{"plain", "dict"} {
				want := tt.want
				want.Column = col
				assert.Equal(t, want, got[i])
			}
		})
	}
}

func TestScanReader(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b := scanBatch(t, mem, []string{"AB 12 34 56 C", "00:1a:2b:3c:4d:5e"}, nil)
	defer b.Release()
	rdr, err := array.NewRecordReader(b.Schema(), []arrow.RecordBatch{b})
	require.NoError(t, err)
	defer rdr.Release()

	custom, err := NewRegexDetector("ticket", `[A-Z]{2} \d{2} \d{2} \d{2} [A-D]`)
	require.NoError(t, err)
	got, err := Scan(context.Background(), rdr, ScanOptions{Detectors: append([]Detector{custom}, Builtin...)})
	require.NoError(t, err)
	require.Len(t, got, 2)
	kinds := func(cr ColumnResult) []string {
		var ks []string
		for _, m := range cr.Matches {
			ks = append(ks, m.Kind)
		}
		return ks
	}
	assert.Equal(t, []string{"ticket", KindUKNINO, KindMAC}, kinds(got[0]))
	assert.Equal(t, []string{"ticket", KindUKNINO, KindMAC}, kinds(got[1]))
}

func TestScanCanceled(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b := scanBatch(t, mem, []string{"x"}, nil)
	defer b.Release()
	rdr, err := array.NewRecordReader(b.Schema(), []arrow.RecordBatch{b})
	require.NoError(t, err)
	defer rdr.Release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Scan(ctx, rdr, ScanOptions{})
	assert.ErrorIs(t, err, context.Canceled)
}

package jsonconnector_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/connectortest"
	"github.com/sluicedata/sluice/connectors/jsonconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// writeNDJSON writes batches through a Sink and returns the file's lines,
// or the first error of a Write.
func writeNDJSON(t *testing.T, batches ...arrow.RecordBatch) ([]string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.ndjson")
	ctx := context.Background()
	w, err := jsonconnector.NewSink(path).Create(ctx, batches[0].Schema())
	require.NoError(t, err)
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			require.NoError(t, w.Abort(ctx))
			return nil, err
		}
	}
	require.NoError(t, w.Commit(ctx))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"), nil
}

func TestSinkQuarantine(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b, err := connectortest.Quarantine(mem, 3, arrow.BinaryTypes.String)
	require.NoError(t, err)
	defer b.Release()
	lines, err := writeNDJSON(t, b)
	require.NoError(t, err)
	assert.Equal(t, []string{
		`{"c0_utf8":"plain","_sluice_failed_rules":["amount_non_negative"]}`,
		`{"c0_utf8":"with,comma","_sluice_failed_rules":["email.type","odd;name"]}`,
		`{"c0_utf8":"with \"quotes\"","_sluice_failed_rules":["schema.customer_id","back\\slash","amount_non_negative"]}`,
	}, lines)
}

func TestSinkDictionariesAcrossBatches(t *testing.T) {
	mem := arrowtest.Allocator(t)
	batches := connectortest.DictionaryBatches(mem)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	lines, err := writeNDJSON(t, batches...)
	require.NoError(t, err)
	require.Len(t, lines, 26)
	// Exact bytes: key order and escapes are part of the format.
	want := map[int]string{
		0:  `{"id":0,"d32":"plain","d8":"with \"quotes\""}`,
		3:  `{"id":3,"d32":null,"d8":null}`,
		7:  `{"id":7,"d32":"semi;colon","d8":"semi;colon"}`,
		12: `{"id":12,"d32":"back\\slash","d8":"back\\slash"}`,
		25: `{"id":25,"d32":" leading space","d8":" leading space"}`,
	}
	got := make(map[int]string, len(want))
	for i := range want {
		got[i] = lines[i]
	}
	assert.Equal(t, want, got)
}

func TestSinkNestedValues(t *testing.T) {
	mem := arrowtest.Allocator(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ints", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "nested", Type: arrow.LargeListOf(arrow.ListOf(arrow.BinaryTypes.String)), Nullable: true},
		{Name: "pair", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Float64), Nullable: true},
		{Name: "tags", Type: arrow.ListOf(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()

	ints := b.Field(0).(*array.ListBuilder)
	iv := ints.ValueBuilder().(*array.Int64Builder)
	ints.Append(true)
	iv.Append(1)
	iv.AppendNull()
	iv.Append(math.MinInt64)
	ints.Append(true)

	nested := b.Field(1).(*array.LargeListBuilder)
	inner := nested.ValueBuilder().(*array.ListBuilder)
	sv := inner.ValueBuilder().(*array.StringBuilder)
	nested.Append(true)
	inner.Append(true)
	sv.Append("a\nb")
	inner.Append(true)
	inner.AppendNull()
	nested.AppendNull()

	pair := b.Field(2).(*array.FixedSizeListBuilder)
	pv := pair.ValueBuilder().(*array.Float64Builder)
	pair.Append(true)
	pv.AppendValues([]float64{5, -0.5}, nil)
	pair.AppendNull()

	tags := b.Field(3).(*array.ListBuilder)
	tv := tags.ValueBuilder().(*array.BinaryDictionaryBuilder)
	tags.AppendNull()
	tags.Append(true)
	require.NoError(t, tv.AppendString("x"))
	tv.AppendNull()
	require.NoError(t, tv.AppendString("x"))

	batch := b.NewRecordBatch()
	defer batch.Release()
	lines, err := writeNDJSON(t, batch)
	require.NoError(t, err)
	assert.Equal(t, []string{
		`{"ints":[1,null,-9223372036854775808],"nested":[["a\nb"],[],null],"pair":[5.0,-0.5],"tags":null}`,
		`{"ints":[],"nested":null,"pair":null,"tags":["x",null,"x"]}`,
	}, lines)
}

func TestSinkNaNInList(t *testing.T) {
	mem := arrowtest.Allocator(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "f", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	lb := b.Field(0).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.Float64Builder).AppendValues([]float64{1, math.NaN()}, nil)
	batch := b.NewRecordBatch()
	defer batch.Release()
	_, err := writeNDJSON(t, batch)
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	assert.Contains(t, err.Error(), `column "f" row 0`)
}

package csvconnector_test

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
	"github.com/sluicedata/sluice/connectors/csvconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// splitList undoes csvconnector.ListText: it splits at each unescaped ';'
// and drops the escaping backslashes.
func splitList(cell string) []string {
	var (
		items []string
		cur   strings.Builder
	)
	for i := 0; i < len(cell); i++ {
		switch c := cell[i]; {
		case c == '\\' && i+1 < len(cell):
			i++
			cur.WriteByte(cell[i])
		case c == csvconnector.ListSeparator:
			items = append(items, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(items, cur.String())
}

func TestListText(t *testing.T) {
	tests := []struct {
		name  string
		items []string
		want  string
	}{
		{name: "one", items: []string{"amount_non_negative"}, want: "amount_non_negative"},
		{name: "several", items: []string{"a.type", "schema.b"}, want: "a.type;schema.b"},
		{name: "semicolon", items: []string{"odd;name", "c"}, want: `odd\;name;c`},
		{name: "backslash", items: []string{`a\b`, `ends\`}, want: `a\\b;ends\\`},
		{name: "null token", items: []string{`\N`}, want: `\\N`},
		{name: "empty item", items: []string{"", "x"}, want: ";x"},
		{name: "empty list", items: nil, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := csvconnector.ListText(tt.items)
			assert.Equal(t, tt.want, got)
			if len(tt.items) > 0 {
				assert.Equal(t, tt.items, splitList(got), "split gives the items back")
			}
		})
	}
	for _, s := range connectortest.SampleStrings {
		items := []string{s, s + ";" + s, `\` + s}
		assert.Equal(t, items, splitList(csvconnector.ListText(items)), "items %q", items)
	}
}

// writeCSV writes batch through a Sink and returns the file's lines.
func writeCSV(t *testing.T, batch arrow.RecordBatch) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.csv")
	ctx := context.Background()
	w, err := csvconnector.NewSink(path).Create(ctx, batch.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(batch))
	require.NoError(t, w.Commit(ctx))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func TestSinkQuarantine(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b, err := connectortest.Quarantine(mem, 6, arrow.PrimitiveTypes.Int64)
	require.NoError(t, err)
	defer b.Release()
	assert.Equal(t, []string{
		"c0_int64," + connectortest.FailedRulesColumn,
		"0,amount_non_negative",
		`9223372036854775807,email.type;odd\;name`,
		`-9223372036854775808,schema.customer_id;back\\slash;amount_non_negative`,
		`,odd\;name`,
		`31676,back\\slash;amount_non_negative`,
		`-39595,"with,comma;email.type;odd\;name"`,
	}, writeCSV(t, b))
}

func TestSinkListsAndDictionaries(t *testing.T) {
	mem := arrowtest.Allocator(t)
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.PrimitiveTypes.Int64}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ints", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "floats", Type: arrow.LargeListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
		{Name: "pair", Type: arrow.FixedSizeListOf(2, arrow.BinaryTypes.String), Nullable: true},
		{Name: "dict", Type: dictType, Nullable: true},
		{Name: "dict_items", Type: arrow.ListOf(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()

	ints := b.Field(0).(*array.ListBuilder)
	iv := ints.ValueBuilder().(*array.Int64Builder)
	ints.Append(true)
	iv.AppendValues([]int64{1, -2}, nil)
	iv.AppendNull()
	ints.Append(true) // empty list
	ints.AppendNull()

	floats := b.Field(1).(*array.LargeListBuilder)
	fv := floats.ValueBuilder().(*array.Float64Builder)
	floats.Append(true)
	fv.AppendValues([]float64{5, 0.25, math.Inf(1)}, nil)
	floats.AppendNull()
	floats.Append(true)
	fv.Append(-1.5)

	pair := b.Field(2).(*array.FixedSizeListBuilder)
	pv := pair.ValueBuilder().(*array.StringBuilder)
	pair.Append(true)
	pv.AppendValues([]string{"x;y", `z\`}, nil)
	pair.Append(true)
	pv.AppendValues([]string{"plain", "multi\nline"}, nil)
	pair.AppendNull()

	dict := b.Field(3).(*array.Int64DictionaryBuilder)
	require.NoError(t, dict.Append(42))
	dict.AppendNull()
	require.NoError(t, dict.Append(-7))

	di := b.Field(4).(*array.ListBuilder)
	dv := di.ValueBuilder().(*array.BinaryDictionaryBuilder)
	di.Append(true)
	require.NoError(t, dv.AppendString("red"))
	require.NoError(t, dv.AppendString("a;b"))
	require.NoError(t, dv.AppendString("red"))
	di.AppendNull()
	di.Append(true)
	require.NoError(t, dv.AppendString("blue"))

	batch := b.NewRecordBatch()
	defer batch.Release()
	assert.Equal(t, []string{
		"ints,floats,pair,dict,dict_items",
		`1;-2;\N,5.0;0.25;+Inf,x\;y;z\\,42,red;a\;b;red`,
		`,,"plain;multi`,
		`line",,`,
		`,-1.5,,-7,blue`,
	}, writeCSV(t, batch))
}

func TestSinkRefusesNested(t *testing.T) {
	tests := []struct {
		name string
		typ  arrow.DataType
	}{
		{name: "list of lists", typ: arrow.ListOf(arrow.ListOf(arrow.BinaryTypes.String))},
		{name: "struct", typ: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64})},
		{name: "list of structs", typ: arrow.ListOf(arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}))},
		{name: "map", typ: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)},
		{name: "dictionary of binary", typ: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.Binary}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			schema := arrow.NewSchema([]arrow.Field{{Name: "col", Type: tt.typ, Nullable: true}}, nil)
			_, err := csvconnector.NewSink(filepath.Join(dir, "out.csv")).Create(context.Background(), schema)
			require.ErrorIs(t, err, connectors.ErrUnsupported)
			assert.Contains(t, err.Error(), `column "col"`)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries)
		})
	}
}

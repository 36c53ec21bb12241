package connectortest

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// FailedRulesColumn is the column a quality gate adds to the rows it
// quarantines: the names of the rules each row failed, as list<string>.
// It mirrors quality.FailedRulesColumn, which connectors cannot import.
const FailedRulesColumn = "_sluice_failed_rules"

// QuarantineRuleNames are the rule names Quarantine cycles through: plain
// names, the generated names of built-in rules, and names holding the
// characters a text form of a list must escape.
var QuarantineRuleNames = []string{
	"amount_non_negative",
	"email.type",
	"schema.customer_id",
	"odd;name",
	`back\slash`,
	"with,comma",
}

// QuarantineSchema returns the schema of a quarantine of Schema(types...):
// its fields followed by FailedRulesColumn, a non-nullable list<string>,
// as quality gates create it.
func QuarantineSchema(types ...arrow.DataType) *arrow.Schema {
	fields := append(Schema(types...).Fields(),
		arrow.Field{Name: FailedRulesColumn, Type: arrow.ListOf(arrow.BinaryTypes.String)})
	return arrow.NewSchema(fields, nil)
}

// Quarantine returns a batch of QuarantineSchema(types...): the columns of
// Batch(mem, rows, types...) and, in row i, 1 + i%3 names of
// QuarantineRuleNames. The batch is the caller's to Release.
func Quarantine(mem memory.Allocator, rows int, types ...arrow.DataType) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(mem, QuarantineSchema(types...))
	defer b.Release()
	for c, dt := range types {
		if err := fill(b.Field(c), dt, c, rows); err != nil {
			return nil, fmt.Errorf("connectortest: column %d: %w", c, err)
		}
	}
	lb := b.Field(len(types)).(*array.ListBuilder)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	for i := range rows {
		lb.Append(true)
		for k := range 1 + i%3 {
			vb.Append(QuarantineRuleNames[(i+2*k)%len(QuarantineRuleNames)])
		}
	}
	return b.NewRecordBatch(), nil
}

// DictionarySchema is the schema of DictionaryBatches: a row number and
// two dictionary-encoded string columns, with int32 and int8 indices.
func DictionarySchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "d32", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "d8", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	}, nil)
}

// dictStep is one batch of DictionaryBatches: the dictionary of each
// dictionary column and the indices of each row (-1 for null).
type dictStep struct {
	dict []string
	idx  []int
	same bool // reuse the previous batch's dictionary arrays
}

// dictSteps change the dictionary between batches in every way IPC knows:
// a first dictionary, a delta (the same entries and more), a replacement
// (other entries in another order, one unused), the same dictionary again
// (the very same arrays), and a one-entry dictionary. The union of all
// stays far below the 127 entries an int8 index addresses.
var dictSteps = []dictStep{
	{dict: []string{"plain", "with,comma", `with "quotes"`}, idx: []int{0, 1, 2, -1, 1, 0, 2}},
	{dict: []string{"plain", "with,comma", `with "quotes"`, "semi;colon", "multi\nline"}, idx: []int{3, 4, 0, -1, 3}},
	{dict: []string{"tab\tinside", "plain", `back\slash`, "ünïcödé ✓"}, idx: []int{2, 0, 1, 1, -1, 2}},
	{same: true, idx: []int{0, 0, 3, -1, 2}},
	{dict: []string{" leading space"}, idx: []int{0, -1, 0}},
}

// DictionaryBatches returns batches of DictionarySchema whose dictionaries
// change from one batch to the next: a first dictionary, a delta (the same
// entries followed by new ones), a replacement (other entries in another
// order, one unused), the very same dictionary arrays again, and a
// one-entry dictionary. Column d8 holds the same values as d32 in reverse
// row order. Nulls are null indices. The batches are the caller's to
// Release.
func DictionaryBatches(mem memory.Allocator) []arrow.RecordBatch {
	schema := DictionarySchema()
	var (
		out    []arrow.RecordBatch
		dicts  [2]arrow.Array
		nextID int64
	)
	for _, st := range dictSteps {
		if !st.same {
			for _, d := range dicts {
				if d != nil {
					d.Release()
				}
			}
			for c := range dicts {
				sb := array.NewStringBuilder(mem)
				sb.AppendValues(st.dict, nil)
				dicts[c] = sb.NewArray()
				sb.Release()
			}
		}
		n := len(st.idx)
		ids := array.NewInt64Builder(mem)
		i32 := array.NewInt32Builder(mem)
		i8 := array.NewInt8Builder(mem)
		for r, k := range st.idx {
			ids.Append(nextID)
			nextID++
			if k < 0 {
				i32.AppendNull()
			} else {
				i32.Append(int32(k))
			}
			if k2 := st.idx[n-1-r]; k2 < 0 {
				i8.AppendNull()
			} else {
				i8.Append(int8(k2))
			}
		}
		idArr, i32Arr, i8Arr := ids.NewArray(), i32.NewArray(), i8.NewArray()
		ids.Release()
		i32.Release()
		i8.Release()
		d32 := array.NewDictionaryArray(schema.Field(1).Type, i32Arr, dicts[0])
		d8 := array.NewDictionaryArray(schema.Field(2).Type, i8Arr, dicts[1])
		out = append(out, array.NewRecordBatch(schema, []arrow.Array{idArr, d32, d8}, int64(n)))
		for _, a := range []arrow.Array{idArr, i32Arr, i8Arr, d32, d8} {
			a.Release()
		}
	}
	for _, d := range dicts {
		d.Release()
	}
	return out
}

// ListSchema is the schema of ListBatches: a row number and a nullable
// list<string>.
func ListSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	}, nil)
}

// ListBatches returns batches of ListSchema of rows rows each. Row i of
// the dataset holds a null list where IsNull(i, 1) says, otherwise i%4
// items of SampleStrings (zero items: an empty list). No item is null or
// empty. The batches are the caller's to Release.
func ListBatches(mem memory.Allocator, batches, rows int) []arrow.RecordBatch {
	schema := ListSchema()
	out := make([]arrow.RecordBatch, 0, batches)
	for bi := range batches {
		b := array.NewRecordBuilder(mem, schema)
		ids := b.Field(0).(*array.Int64Builder)
		lb := b.Field(1).(*array.ListBuilder)
		vb := lb.ValueBuilder().(*array.StringBuilder)
		for r := range rows {
			i := bi*rows + r
			ids.Append(int64(i))
			if IsNull(i, 1) {
				lb.AppendNull()
				continue
			}
			lb.Append(true)
			for k := range i % 4 {
				vb.Append(SampleStrings[(i+k)%len(SampleStrings)])
			}
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out
}

// readBackType is the type a column of type dt written by the sink reads
// back as, per the harness's equivalences.
func (s suite) readBackType(dt arrow.DataType) arrow.DataType {
	switch d := dt.(type) {
	case *arrow.DictionaryType:
		if s.h.DictionaryAsValues {
			return d.ValueType
		}
		if s.h.DictionaryIndex != nil {
			return &arrow.DictionaryType{IndexType: s.h.DictionaryIndex, ValueType: d.ValueType, Ordered: d.Ordered}
		}
	case *arrow.ListType:
		if s.h.ListText != nil && arrow.TypeEqual(d.Elem(), arrow.BinaryTypes.String) {
			return arrow.BinaryTypes.String
		}
	}
	return dt
}

// readBackSchema is the schema a dataset of schema reads back as.
func (s suite) readBackSchema(schema *arrow.Schema) *arrow.Schema {
	fields := schema.Fields()
	for i := range fields {
		fields[i].Type = s.readBackType(fields[i].Type)
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

// expected returns the rows of written as the harness says they read
// back, dictionaries decoded, concatenated into one batch that is the
// caller's to Release.
func (s suite) expected(t *testing.T, mem memory.Allocator, written []arrow.RecordBatch) arrow.RecordBatch {
	t.Helper()
	require.NotEmpty(t, written)
	schema := plainSchema(s.readBackSchema(written[0].Schema()))
	cols := make([]arrow.Array, schema.NumFields())
	var rows int64
	for _, b := range written {
		rows += b.NumRows()
	}
	for c := range cols {
		parts := make([]arrow.Array, len(written))
		for i, b := range written {
			a := b.Column(c)
			if l, ok := a.(*array.List); ok && s.readBackType(a.DataType()).ID() == arrow.STRING {
				parts[i] = listAsText(mem, l, s.h.ListText)
			} else {
				parts[i] = decode(t, mem, a)
			}
		}
		var err error
		cols[c], err = array.Concatenate(parts, mem)
		for _, p := range parts {
			p.Release()
		}
		require.NoError(t, err)
	}
	out := array.NewRecordBatch(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return out
}

// plainSchema replaces dictionary types by their value types.
func plainSchema(schema *arrow.Schema) *arrow.Schema {
	fields := schema.Fields()
	for i, f := range fields {
		if d, ok := f.Type.(*arrow.DictionaryType); ok {
			fields[i].Type = d.ValueType
		}
	}
	return arrow.NewSchema(fields, nil)
}

// plain returns b with its dictionary columns decoded; the result is the
// caller's to Release.
func plain(t *testing.T, mem memory.Allocator, b arrow.RecordBatch) arrow.RecordBatch {
	t.Helper()
	cols := make([]arrow.Array, b.NumCols())
	for c := range cols {
		cols[c] = decode(t, mem, b.Column(c))
	}
	out := array.NewRecordBatch(plainSchema(b.Schema()), cols, b.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out
}

// decode returns the values of a dictionary array as an array of its value
// type, or a retained a for any other array.
func decode(t *testing.T, mem memory.Allocator, a arrow.Array) arrow.Array {
	t.Helper()
	d, ok := a.(*array.Dictionary)
	if !ok {
		a.Retain()
		return a
	}
	vt := d.DataType().(*arrow.DictionaryType).ValueType
	parts := make([]arrow.Array, d.Len())
	for i := range parts {
		if d.IsNull(i) {
			parts[i] = array.MakeArrayOfNull(mem, vt, 1)
			continue
		}
		j := int64(d.GetValueIndex(i))
		parts[i] = array.NewSlice(d.Dictionary(), j, j+1)
	}
	if len(parts) == 0 {
		return array.MakeArrayOfNull(mem, vt, 0)
	}
	out, err := array.Concatenate(parts, mem)
	for _, p := range parts {
		p.Release()
	}
	require.NoError(t, err)
	return out
}

// listAsText returns the cells of a list<string> array as text formats
// write them: text(items), the empty string as null.
func listAsText(mem memory.Allocator, l *array.List, text func([]string) string) arrow.Array {
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	vals := l.ListValues().(*array.String)
	for i := range l.Len() {
		if l.IsNull(i) {
			sb.AppendNull()
			continue
		}
		lo, hi := l.ValueOffsets(i)
		items := make([]string, 0, hi-lo)
		for j := lo; j < hi; j++ {
			items = append(items, vals.Value(int(j)))
		}
		if v := text(items); v != "" {
			sb.Append(v)
		} else {
			sb.AppendNull()
		}
	}
	return sb.NewArray()
}

// roundTripBatches writes batches to a new dataset and checks that they
// read back, in several batches, as the harness's equivalences say.
func (s suite) roundTripBatches(t *testing.T, mem memory.Allocator, lists bool, batches []arrow.RecordBatch) {
	t.Helper()
	schema := batches[0].Schema()
	path := s.path(t)
	s.write(t, path, schema, batches...)
	if lists && s.h.ListsWriteOnly {
		return // written is all the harness promises
	}
	wantSchema := s.readBackSchema(schema)
	src := s.readSource(t, path, wantSchema)
	sch, err := src.Schema(context.Background())
	require.NoError(t, err, "Schema")
	AssertSameSchema(t, wantSchema, sch)

	got, gotBatches := readAll(t, src, connectors.ReadOptions{Allocator: mem, BatchSize: 4})
	defer releaseAll(gotBatches)
	AssertSameSchema(t, wantSchema, got)
	want := s.expected(t, mem, batches)
	defer want.Release()
	plainGot := make([]arrow.RecordBatch, len(gotBatches))
	for i, b := range gotBatches {
		plainGot[i] = plain(t, mem, b)
	}
	defer releaseAll(plainGot)
	AssertBatchesEqual(t, want, plainGot)
}

func (s suite) dictionaries(t *testing.T) {
	mem := arrowtest.Allocator(t)
	batches := DictionaryBatches(mem)
	defer releaseAll(batches)
	s.roundTripBatches(t, mem, false, batches)
}

func (s suite) lists(t *testing.T) {
	mem := arrowtest.Allocator(t)
	batches := ListBatches(mem, 3, 11)
	defer releaseAll(batches)
	s.roundTripBatches(t, mem, true, batches)
}

func (s suite) quarantine(t *testing.T) {
	mem := arrowtest.Allocator(t)
	full, err := Quarantine(mem, 40, s.h.Types...)
	require.NoError(t, err)
	defer full.Release()
	a, b := full.NewSlice(0, 15), full.NewSlice(15, 40)
	defer a.Release()
	defer b.Release()
	s.roundTripBatches(t, mem, true, []arrow.RecordBatch{a, b})
}

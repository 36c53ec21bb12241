package engine

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

func TestEncodeStrings(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b := array.NewStringBuilder(mem)
	defer b.Release()
	values := []string{"", "a", "a\x00", "DE", "a much longer value", "日本", "DE", "a much longer value"}
	for i := range 400 {
		if i%11 == 0 {
			b.AppendNull()
			continue
		}
		b.Append(values[i%len(values)])
	}
	arr := b.NewStringArray()
	defer arr.Release()
	sliced := array.NewSlice(arr, 13, 390).(*array.String)
	defer sliced.Release()
	enc, ok := encodeStrings(sliced, sliced.Len())
	require.True(t, ok)
	assert.Len(t, enc.dict, 6, "each distinct value once")
	for i := range sliced.Len() {
		if sliced.IsNull(i) {
			continue
		}
		assert.Equal(t, sliced.Value(i), enc.dict.Value(enc.index(i)), "row %d", i)
	}

	// Mostly distinct values stay plain.
	u := array.NewStringBuilder(mem)
	defer u.Release()
	for i := range 1000 {
		u.Append(fmt.Sprint("id-", i))
	}
	ids := u.NewStringArray()
	defer ids.Release()
	_, ok = encodeStrings(ids, ids.Len())
	assert.False(t, ok)
}

func TestSetEncodesSharedPlainStrings(t *testing.T) {
	f := newSetFixture(t)
	s := NewSet(f.resolve)
	p1 := f.compile(t, s, "s in ['z', 'x,y']")
	p2 := f.compile(t, s, "s == ''")
	assert.GreaterOrEqual(t, s.strRefs[1], 2)
	b := s.Bind(f.cols, f.n, nil)
	r1, err := b.Eval(p1)
	require.NoError(t, err)
	r2, err := b.Eval(p2)
	require.NoError(t, err)
	require.NotNil(t, b.b.cols[1].str.dict, "the column is encoded once for both rules")
	str := f.cols[1].(*array.String)
	for i := range f.n {
		if str.IsNull(i) {
			continue
		}
		v := str.Value(i)
		assert.Equal(t, v == "z" || v == "x,y", r1.True(i), "row %d", i)
		assert.Equal(t, v == "", r2.True(i), "row %d", i)
	}
}

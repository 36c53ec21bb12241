package engine

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

// setFixture is a two-column batch (a int, s string) and a Set over it.
type setFixture struct {
	env  *cel.Env
	cols []arrow.Array
	n    int
}

func newSetFixture(t *testing.T) *setFixture {
	t.Helper()
	mem := arrowtest.Allocator(t)
	env, err := cel.NewEnv(ext.Strings(),
		cel.Variable("a", cel.NullableType(cel.IntType)),
		cel.Variable("s", cel.NullableType(cel.StringType)))
	require.NoError(t, err)
	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	const n = 200
	for i := range n {
		ib.Append(int64(i % 10))
		if i%7 == 0 {
			sb.AppendNull()
		} else {
			sb.Append([]string{"x,y", "z", ""}[i%3])
		}
	}
	f := &setFixture{env: env, n: n, cols: []arrow.Array{ib.NewArray(), sb.NewArray()}}
	t.Cleanup(func() {
		for _, c := range f.cols {
			c.Release()
		}
	})
	return f
}

func (f *setFixture) resolve(name string) (int, arrow.DataType, bool) {
	switch name {
	case "a":
		return 0, f.cols[0].DataType(), true
	case "s":
		return 1, f.cols[1].DataType(), true
	}
	return 0, nil, false
}

func (f *setFixture) compile(t *testing.T, s *Set, expr string) *Program {
	t.Helper()
	a, iss := f.env.Compile(expr)
	require.NoError(t, iss.Err())
	p, err := s.Compile(a.NativeRep())
	require.NoError(t, err, expr)
	return p
}

func TestSetSharesSubexpressions(t *testing.T) {
	f := newSetFixture(t)
	s := NewSet(f.resolve)
	p1 := f.compile(t, s, "a > 3 && a < 8")
	p2 := f.compile(t, s, "a < 8 || a == 0")
	p3 := f.compile(t, s, "!(a > 3 && a < 8)")
	shared := s.nodes["a < 8"]
	require.NotNil(t, shared)
	assert.Equal(t, 2, shared.uses, "a < 8 is compiled once for two programs")
	assert.Equal(t, 2, s.nodes["a > 3 && a < 8"].uses, "p3 reuses the whole conjunction")

	b := s.Bind(f.cols, f.n, nil)
	r1, err := b.Eval(p1)
	require.NoError(t, err)
	r2, err := b.Eval(p2)
	require.NoError(t, err)
	r3, err := b.Eval(p3)
	require.NoError(t, err)
	assert.NotNil(t, b.b.memo[shared.id].v, "the shared result is kept for the batch")
	for i := range f.n {
		a := int64(i % 10)
		assert.Equal(t, a > 3 && a < 8, r1.True(i), "row %d", i)
		assert.Equal(t, a < 8 || a == 0, r2.True(i), "row %d", i)
		assert.Equal(t, a <= 3 || a >= 8, r3.True(i), "row %d: a shared result is not changed by its users", i)
	}
}

func TestSetFallbackRunsOnlyUndecidedRows(t *testing.T) {
	f := newSetFixture(t)
	var sources []string
	s := NewSet(f.resolve, WithFallback(func(src string) (int, error) {
		sources = append(sources, src)
		return len(sources) - 1, nil
	}))
	// split() is outside the subset: its comparison goes to the fallback.
	p := f.compile(t, s, "a > 7 && s.split(',').size() == 2")
	assert.Equal(t, []string{`s.split(",").size() == 2`}, sources)
	assert.Equal(t, 1, p.Fallbacks())
	assert.ElementsMatch(t, []int{0, 1}, p.Slots(), "the fallback's column is an input")

	var rows []int
	b := s.Bind(f.cols, f.n, func(k, row int) (bool, bool) {
		rows = append(rows, row)
		str := f.cols[1].(*array.String)
		if str.IsNull(row) {
			return false, true
		}
		return str.Value(row) == "x,y", false
	})
	res, err := b.Eval(p)
	require.NoError(t, err)
	for _, row := range rows {
		assert.Greater(t, int64(row%10), int64(7), "row %d: a > 7 is false there, so the result is decided", row)
	}
	assert.Len(t, rows, 40)
	str := f.cols[1].(*array.String)
	for i := range f.n {
		want := i%10 > 7 && !str.IsNull(i) && str.Value(i) == "x,y"
		wantErr := i%10 > 7 && str.IsNull(i)
		assert.Equal(t, want, res.True(i), "row %d", i)
		assert.Equal(t, wantErr, res.Errored(i), "row %d", i)
	}

	_, err = s.Bind(f.cols, f.n, nil).Eval(p)
	require.Error(t, err, "a program with fallbacks needs a fallback evaluator")
}

func TestSetRefusesWhenNothingIsVectorized(t *testing.T) {
	f := newSetFixture(t)
	s := NewSet(f.resolve, WithFallback(func(string) (int, error) { return 0, nil }))
	a, iss := f.env.Compile("s.split(',').size() == 2 || s.split(';').size() == 1")
	require.NoError(t, iss.Err())
	_, err := s.Compile(a.NativeRep())
	require.ErrorIs(t, err, ErrNotVectorizable)
	a, iss = f.env.Compile("s.split(',').size() == 2")
	require.NoError(t, iss.Err())
	_, err = s.Compile(a.NativeRep())
	require.ErrorIs(t, err, ErrNotVectorizable, "only operands of logical operators fall back")
}

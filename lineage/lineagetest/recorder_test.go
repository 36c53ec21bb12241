package lineagetest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/lineage/lineagetest"
)

func TestRecorder(t *testing.T) {
	rec := lineagetest.NewRecorder(t)
	em := &lineagetest.Emitter{}
	ds := lineage.Dataset{Namespace: "mem", Name: "orders"}
	ctx, run := lineage.Start(context.Background(), lineage.Job{Namespace: "ns", Name: "job"},
		lineage.WithTracerProvider(rec.TracerProvider()), lineage.WithEmitter(em))
	for range 2 {
		_, rd := run.Read(ctx, ds, lineage.IOInfo{})
		rd.End(5, -1, nil, nil)
	}
	_, chk := run.Check(ctx, "rs", ds)
	assert.Len(t, rec.Started(), 4, "started spans include unfinished ones")
	chk.End([]lineage.Assertion{{Name: "a", Success: true}, {Name: "b"}}, nil, nil)
	require.NoError(t, run.End(ctx, nil))

	assert.Len(t, rec.Spans(), 4)
	assert.Len(t, rec.SpansByName("read mem/orders"), 2)
	assert.Empty(t, rec.SpansByName("nope"))
	root := rec.Span(t, "run job")
	assert.Len(t, rec.Children(root), 3)
	assert.Empty(t, rec.Children(rec.Span(t, "check rs")))

	rows, ok := lineagetest.Attr(rec.SpansByName("read mem/orders")[0], lineage.AttrRows)
	require.True(t, ok)
	assert.Equal(t, int64(5), rows.AsInt64())
	_, ok = lineagetest.Attr(root, lineage.AttrRows)
	assert.False(t, ok)

	cases := lineagetest.Events(rec.Span(t, "check rs"), lineage.EventTestCase)
	require.Len(t, cases, 2)
	st, ok := lineagetest.EventAttr(cases[1], lineage.AttrTestCaseStatus)
	require.True(t, ok)
	assert.Equal(t, "fail", st.AsString())

	assert.Len(t, em.Events(), 2)
	assert.Len(t, em.ByType("START"), 1)
	assert.Len(t, em.ByType("COMPLETE"), 1)
}

// fakeTB records Fatalf instead of stopping the test.
type fakeTB struct {
	testing.TB
	failed bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }

func TestRecorderSpanNotUnique(t *testing.T) {
	rec := lineagetest.NewRecorder(t)
	ctx, run := lineage.Start(context.Background(), lineage.Job{Namespace: "ns", Name: "job"}, lineage.WithTracerProvider(rec.TracerProvider()))
	require.NoError(t, run.End(ctx, nil))
	tests := []struct {
		name string
		span string
		fail bool
	}{
		{"unique", "run job", false},
		{"missing", "read x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTB{TB: t}
			rec.Span(ft, tt.span)
			assert.Equal(t, tt.fail, ft.failed)
		})
	}
}

func TestEmitterError(t *testing.T) {
	boom := errors.New("boom")
	em := &lineagetest.Emitter{Err: boom}
	ctx, run := lineage.Start(context.Background(), lineage.Job{Namespace: "ns", Name: "job"}, lineage.WithEmitter(em))
	require.ErrorIs(t, run.End(ctx, nil), boom)
	assert.Len(t, em.Events(), 2, "events are recorded even when Err is set")
}

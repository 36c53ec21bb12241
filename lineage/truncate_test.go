package lineage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/lineage/lineagetest"
)

func manyAssertions(n int) []lineage.Assertion {
	out := make([]lineage.Assertion, n)
	for i := range out {
		out[i] = lineage.Assertion{Name: fmt.Sprintf("rule_%04d", i), Type: "row", Column: "amount", Success: i%3 != 0, Severity: "warn",
			Content: "amount >= 0.0 && amount < 1e6"}
	}
	return out
}

func wideSchema(n int) *arrow.Schema {
	fs := make([]arrow.Field, n)
	for i := range fs {
		fs[i] = arrow.Field{Name: fmt.Sprintf("column_with_a_long_name_%04d", i), Type: arrow.PrimitiveTypes.Int64, Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

type truncInfo struct {
	Truncated      bool `json:"truncated"`
	DroppedEntries int  `json:"droppedEntries"`
}

func TestFacetTruncation(t *testing.T) {
	const facetCap = 4 << 10
	em := &lineagetest.Emitter{}
	ctx, run := lineage.Start(context.Background(), testJob, lineage.WithEmitter(em), lineage.WithSizeCaps(facetCap, 0))
	_, rd := run.Read(ctx, ordersIn, lineage.IOInfo{DataSourceURI: "file:///" + strings.Repeat("x", facetCap)})
	rd.End(1, 1, wideSchema(500), nil)
	cols := map[string]lineage.ColumnMetrics{}
	for i := range 400 {
		cols[fmt.Sprintf("c%03d", i)] = lineage.ColumnMetrics{NullCount: lineage.Ptr[int64](int64(i))}
	}
	_, chk := run.Check(ctx, "orders", ordersIn)
	chk.End(manyAssertions(1000), &lineage.Metrics{RowCount: lineage.Ptr[int64](1), Columns: cols}, nil)
	for i := range 300 {
		run.Derive(lineage.Field{Dataset: ordersOut, Name: fmt.Sprintf("out_%03d", i)}, []lineage.Field{{Dataset: ordersIn, Name: fmt.Sprintf("in_%03d", i)}}, lineage.Identity())
	}
	require.NoError(t, run.End(ctx, nil))

	ev := em.ByType("COMPLETE")[0]
	validateEvent(t, ev)
	in, out := ev.Inputs[0], ev.Outputs[0]
	tests := []struct {
		name  string
		facet json.RawMessage
		total int
	}{
		{"schema", in.Facets["schema"], 500},
		{"dataQualityAssertions", in.InputFacets["dataQualityAssertions"], 1000},
		{"dataQualityMetrics", in.InputFacets["dataQualityMetrics"], 400},
		{"columnLineage", out.Facets["columnLineage"], 300},
		{"test", ev.Run.Facets["test"], 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotNil(t, tt.facet)
			assert.LessOrEqual(t, len(tt.facet), facetCap)
			assert.True(t, json.Valid(tt.facet))
			var ti truncInfo
			require.NoError(t, json.Unmarshal(tt.facet, &ti))
			assert.True(t, ti.Truncated)
			assert.Positive(t, ti.DroppedEntries)
			assert.Less(t, ti.DroppedEntries, tt.total, "some entries are kept")
			assert.Greater(t, len(tt.facet), facetCap*3/4, "the cap is used, not wasted")
		})
	}
	var ta struct {
		Assertions     []json.RawMessage
		DroppedEntries int
	}
	require.NoError(t, json.Unmarshal(in.InputFacets["dataQualityAssertions"], &ta))
	assert.Equal(t, 1000, len(ta.Assertions)+ta.DroppedEntries)

	// dataSource cannot be cut: it is dropped and listed.
	assert.NotContains(t, in.Facets, "dataSource")
	var tr struct{ DroppedFacets []string }
	require.NoError(t, json.Unmarshal(ev.Run.Facets["sluice_truncation"], &tr))
	assert.Contains(t, tr.DroppedFacets, "inputs[0].facets.dataSource")
}

func TestEventTruncation(t *testing.T) {
	const eventCap = 16 << 10
	em := &lineagetest.Emitter{}
	ctx, run := lineage.Start(context.Background(), testJob, lineage.WithEmitter(em), lineage.WithSizeCaps(12<<10, eventCap))
	for i := range 4 {
		ds := lineage.Dataset{Namespace: "mem", Name: fmt.Sprintf("part-%d", i)}
		_, rd := run.Read(ctx, ds, lineage.IOInfo{})
		rd.End(1, 1, wideSchema(200), nil)
	}
	require.NoError(t, run.End(ctx, nil))

	ev := em.ByType("COMPLETE")[0]
	raw, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(raw), eventCap)
	validateEvent(t, ev)
	require.Len(t, ev.Inputs, 4, "datasets stay, only facets go")
	var tr struct{ DroppedFacets []string }
	require.NoError(t, json.Unmarshal(ev.Run.Facets["sluice_truncation"], &tr))
	assert.NotEmpty(t, tr.DroppedFacets)
	for _, p := range tr.DroppedFacets {
		assert.True(t, strings.HasSuffix(p, ".schema"), "largest facets go first: %s", p)
	}
	kept := 0
	for _, in := range ev.Inputs {
		if _, ok := in.Facets["schema"]; ok {
			kept++
		}
	}
	assert.Positive(t, kept, "facets that fit are kept")
	assert.Equal(t, 4, kept+len(tr.DroppedFacets))
}

func TestEventTooLarge(t *testing.T) {
	em := &lineagetest.Emitter{}
	long := lineage.Job{Namespace: "shop", Name: strings.Repeat("n", 500)}
	ctx, run := lineage.Start(context.Background(), long, lineage.WithEmitter(em), lineage.WithSizeCaps(0, 400))
	err := run.End(ctx, nil)
	require.ErrorIs(t, err, lineage.ErrEventTooLarge)
	assert.Empty(t, em.Events(), "an event over the cap is not sent")
}

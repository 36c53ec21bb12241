package lineage_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/lineage/lineagetest"
)

func TestColumnTags(t *testing.T) {
	rec := lineagetest.NewRecorder(t)
	em := &lineagetest.Emitter{}
	ctx, run := lineage.Start(context.Background(), testJob,
		lineage.WithTracerProvider(rec.TracerProvider()), lineage.WithEmitter(em),
		lineage.WithClock(fixedClock()), lineage.WithRunID(testRunID))
	_, rd := run.Read(ctx, ordersIn, lineage.IOInfo{ColumnTags: map[string][]string{
		"email":  {"pii.email", "gdpr.personal"},
		"amount": {"purpose=billing"},
		"status": nil,
	}})
	rd.End(10, -1, ordersSchema(), nil)
	_, wr := run.Write(ctx, ordersOut, lineage.IOInfo{})
	wr.End(10, -1, ordersSchema(), nil)
	require.NoError(t, run.End(ctx, nil))

	v, ok := lineagetest.Attr(rec.Span(t, lineage.SpanReadPrefix+ordersIn.String()), lineage.AttrTaggedColumns)
	require.True(t, ok)
	assert.Equal(t, []string{"amount", "email"}, v.AsStringSlice())
	_, ok = lineagetest.Attr(rec.Span(t, lineage.SpanWritePrefix+ordersOut.String()), lineage.AttrTaggedColumns)
	assert.False(t, ok, "an output without tags carries no tagged-columns attribute")

	evs := em.ByType("COMPLETE")
	require.Len(t, evs, 1)
	validateEvent(t, evs[0])
	require.Len(t, evs[0].Inputs, 1)
	raw, ok := evs[0].Inputs[0].Facets["tags"]
	require.True(t, ok, "input dataset has a tags facet")
	var f struct {
		Tags []lineage.Tag `json:"tags"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	assert.Equal(t, []lineage.Tag{
		{Key: "purpose", Value: "billing", Source: "SLUICE", Field: "amount"},
		{Key: "pii.email", Value: "true", Source: "SLUICE", Field: "email"},
		{Key: "gdpr.personal", Value: "true", Source: "SLUICE", Field: "email"},
	}, f.Tags)
	_, ok = evs[0].Outputs[0].Facets["tags"]
	assert.False(t, ok)
}

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

// TestProducerLinkRoundTrip writes in one run, carries the producer
// metadata as a dataset would (serialized key-value pairs) and reads in a
// second run, whose read span must link to the producing write span.
func TestProducerLinkRoundTrip(t *testing.T) {
	rec := lineagetest.NewRecorder(t)
	pctx, producer := lineage.Start(context.Background(), lineage.Job{Namespace: "shop", Name: "export"},
		lineage.WithTracerProvider(rec.TracerProvider()))
	_, wr := producer.Write(pctx, ordersIn, lineage.IOInfo{Path: ordersIn.Name})
	md := wr.ProducerMetadata()
	wr.End(10, 100, nil, nil)
	require.NoError(t, producer.End(pctx, nil))

	// Through a file's key-value metadata and back.
	raw, err := json.Marshal(md)
	require.NoError(t, err)
	var stored map[string]string
	require.NoError(t, json.Unmarshal(raw, &stored))
	stored["parquet.other"] = "ignored"

	tests := []struct {
		name string
		read func(ctx context.Context, run *lineage.Run)
	}{
		{"metadata known at Read", func(ctx context.Context, run *lineage.Run) {
			_, rd := run.Read(ctx, ordersIn, lineage.IOInfo{Metadata: stored})
			rd.End(10, 100, nil, nil)
		}},
		{"metadata found later", func(ctx context.Context, run *lineage.Run) {
			_, rd := run.Read(ctx, ordersIn, lineage.IOInfo{})
			assert.True(t, rd.LinkProducer(stored))
			rd.End(10, 100, nil, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec2 := lineagetest.NewRecorder(t)
			cctx, consumer := lineage.Start(context.Background(), testJob, lineage.WithTracerProvider(rec2.TracerProvider()))
			tt.read(cctx, consumer)
			require.NoError(t, consumer.End(cctx, nil))

			write := rec.Span(t, "write file:///data/orders.parquet")
			read := rec2.Span(t, "read file:///data/orders.parquet")
			assert.NotEqual(t, write.SpanContext().TraceID(), read.SpanContext().TraceID(), "separate traces")
			require.Len(t, read.Links(), 1)
			link := read.Links()[0]
			assert.Equal(t, write.SpanContext().TraceID(), link.SpanContext.TraceID())
			assert.Equal(t, write.SpanContext().SpanID(), link.SpanContext.SpanID())
			assert.True(t, link.SpanContext.IsRemote())
			for key, want := range map[string]string{
				"openlineage.dataset.namespace": "file",
				"openlineage.dataset.name":      ordersIn.Name,
				"sluice.producer.run.id":        producer.ID().String(),
				"sluice.producer.job.namespace": "shop",
				"sluice.producer.job.name":      "export",
			} {
				v, ok := lineagetest.LinkAttr(link, lineageKey(key))
				if assert.True(t, ok, key) {
					assert.Equal(t, want, v.AsString(), key)
				}
			}
		})
	}
}

func TestProducerMetadataKeys(t *testing.T) {
	rec := lineagetest.NewRecorder(t)
	ctx, run := lineage.Start(context.Background(), testJob, lineage.WithTracerProvider(rec.TracerProvider()), lineage.WithRunID(testRunID))
	md := lineage.ProducerMetadata(run)
	assert.Equal(t, testRunID.String(), md[lineage.MetaRunID])
	assert.Equal(t, "shop", md[lineage.MetaJobNamespace])
	assert.Equal(t, "orders.nightly", md[lineage.MetaJobName])
	sc := run.SpanContext()
	assert.Equal(t, "00-"+sc.TraceID().String()+"-"+sc.SpanID().String()+"-01", md[lineage.MetaTraceparent])
	_, ok := lineage.ProducerMetadataFromContext(context.Background())
	assert.False(t, ok, "no run in a bare context")
	require.NoError(t, run.End(ctx, nil))

	// Without a recording provider there is no trace context to store.
	_, quiet := lineage.Start(context.Background(), testJob)
	assert.NotContains(t, lineage.ProducerMetadata(quiet), lineage.MetaTraceparent)
	assert.Nil(t, lineage.ProducerMetadata(nil))
}

func TestLinkFromMetadataRejects(t *testing.T) {
	tests := []struct {
		name string
		md   map[string]string
	}{
		{"nil", nil},
		{"no traceparent", map[string]string{lineage.MetaRunID: testRunID.String()}},
		{"garbage", map[string]string{lineage.MetaTraceparent: "not-a-traceparent"}},
		{"zero ids", map[string]string{lineage.MetaTraceparent: "00-00000000000000000000000000000000-0000000000000000-01"}},
		{"bad version", map[string]string{lineage.MetaTraceparent: "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok := lineage.LinkFromMetadata(tt.md, ordersIn)
			assert.False(t, ok)
		})
	}
	l, ok := lineage.LinkFromMetadata(map[string]string{
		lineage.MetaTraceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		lineage.MetaTracestate:  "vendor=x",
	}, ordersIn)
	require.True(t, ok)
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", l.SpanContext.TraceID().String())
	assert.Equal(t, "vendor=x", l.SpanContext.TraceState().String())
}

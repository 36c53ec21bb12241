package memconnector_test

import (
	"context"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/connectortest"
	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
)

// stores gives each (sub)test its own Store, cleared when the test ends,
// before the test's allocator is checked.
type stores struct{ m sync.Map }

func (s *stores) get(t *testing.T) *memconnector.Store {
	st, loaded := s.m.LoadOrStore(t, memconnector.NewStore())
	if !loaded {
		t.Cleanup(st.(*memconnector.Store).Clear)
	}
	return st.(*memconnector.Store)
}

func TestConformance(t *testing.T) {
	var s stores
	connectortest.Run(t, connectortest.Harness{
		Name: "memory",
		NewSource: func(t *testing.T, path string) connectors.Source {
			return s.get(t).Source(path)
		},
		NewSink: func(t *testing.T, path string) connectors.Sink {
			return s.get(t).Sink(path)
		},
		Types: []arrow.DataType{
			arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int32,
			arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint64, arrow.PrimitiveTypes.Float32,
			arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString,
			arrow.BinaryTypes.Binary, arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Timestamp_us,
		},
		Dataset: func(path string) lineage.Dataset {
			return lineage.Dataset{Namespace: memconnector.Namespace, Name: path}
		},
		NotFiles: true,
	})
}

func TestStore(t *testing.T) {
	mem := arrowtest.Allocator(t)
	st := memconnector.NewStore()
	defer st.Clear()
	ctx := context.Background()
	b, err := connectortest.Batch(mem, 10, arrow.PrimitiveTypes.Int64)
	require.NoError(t, err)
	defer b.Release()

	w, err := st.Sink("orders").Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	w.(connectors.MetadataWriter).SetMetadata("sluice.run_id", "r1")
	assert.Empty(t, st.Names(), "nothing before Commit")
	require.NoError(t, w.Commit(ctx))
	assert.Equal(t, []string{"orders"}, st.Names())

	src := st.Source("orders")
	n, err := src.NumRows(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(10), n)
	schema, err := src.Schema(ctx)
	require.NoError(t, err)
	v, ok := schema.Metadata().GetValue("sluice.run_id")
	assert.True(t, ok)
	assert.Equal(t, "r1", v)

	// A reader opened before a Delete keeps its snapshot.
	rdr, err := src.Open(ctx, connectors.ReadOptions{})
	require.NoError(t, err)
	st.Delete("orders")
	require.True(t, rdr.Next())
	assert.Equal(t, int64(10), rdr.RecordBatch().NumRows())
	assert.False(t, rdr.Next())
	rdr.Release()

	_, err = src.Schema(ctx)
	assert.Error(t, err)
}

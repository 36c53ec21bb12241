package suggest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/importers/suggest"
)

// BenchmarkSuggestFlights profiles the 3-million-row Parquet file, with the
// airports as reference.
func BenchmarkSuggestFlights(b *testing.B) {
	data := filepath.Join(sharedDatasets(), "flights-3m.parquet")
	airports := filepath.Join(sharedDatasets(), "airports.csv")
	for _, p := range []string{data, airports} {
		if _, err := os.Stat(p); err != nil {
			b.Skipf("%s not found: %v", p, err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		_, err := suggest.Suggest(context.Background(), open(b, data), suggest.Options{
			References: []suggest.Reference{{Path: "airports.csv", Source: open(b, airports)}},
		})
		require.NoError(b, err)
	}
	b.ReportMetric(3e6*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkSuggestUniqueStrings profiles one million distinct plain
// (not dictionary-encoded) strings and integers held in memory: the worst
// case for the value, uniqueness and shape tables.
func BenchmarkSuggestUniqueStrings(b *testing.B) {
	const rows, batch = 1_000_000, 65536
	store := memconnector.NewStore()
	schema := arrow.NewSchema([]arrow.Field{{Name: "key", Type: arrow.BinaryTypes.String}, {Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	w, err := store.Sink("keys").Create(context.Background(), schema)
	require.NoError(b, err)
	for lo := 0; lo < rows; lo += batch {
		rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := lo; i < min(lo+batch, rows); i++ {
			rb.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("K-%07d-x", i))
			rb.Field(1).(*array.Int64Builder).Append(int64(i))
		}
		rec := rb.NewRecordBatch()
		require.NoError(b, w.Write(rec))
		rec.Release()
		rb.Release()
	}
	require.NoError(b, w.Commit(context.Background()))
	b.ReportAllocs()
	for b.Loop() {
		f, err := suggest.Suggest(context.Background(), store.Source("keys"), suggest.Options{})
		require.NoError(b, err)
		if f.Columns[0].Pattern == "" || !f.Columns[0].Unique {
			b.Fatalf("want a unique, patterned key: %+v", f.Columns[0])
		}
	}
	b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

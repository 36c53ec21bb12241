package blobconnector_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocloud.dev/blob"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/blobconnector"
	_ "github.com/sluicedata/sluice/connectors/blobconnector/s3blobdriver"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/connectors/connectortest"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
)

// bucketName is the bucket tools/s3/start.sh creates.
const bucketName = "sluice-test"

// s3Query returns the query of s3:// URLs that reach the S3-compatible
// server of SLUICE_TEST_S3 (tools/s3/start.sh), or skips t.
func s3Query(t *testing.T) string {
	t.Helper()
	ep := os.Getenv("SLUICE_TEST_S3")
	if ep == "" {
		t.Skip("SLUICE_TEST_S3 is unset: start an S3-compatible server with tools/s3/start.sh and export its endpoint")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "sluice")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "sluice")
	return url.Values{
		"endpoint":       {ep},
		"region":         {"us-east-1"},
		"use_path_style": {"true"},
		"disable_https":  {"true"},
	}.Encode()
}

func registry(t *testing.T) *builtin.Registry {
	t.Helper()
	r := builtin.New()
	require.NoError(t, r.Register("s3", blobconnector.Opener(context.Background())))
	return r
}

func openBucket(t *testing.T, q string) *blob.Bucket {
	t.Helper()
	b, err := blob.OpenBucket(context.Background(), "s3://"+bucketName+"?"+q)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

var runPrefix = "conformance/" + rand.Text() + "/"

// keyOf is the object key a conformance path maps to: its absolute path,
// so that a relative and an absolute path name the same object.
func keyOf(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	// The server outlives test runs: a run's prefix keeps them apart.
	return runPrefix + strings.TrimPrefix(filepath.ToSlash(abs), "/")
}

func TestConformance(t *testing.T) {
	q := s3Query(t)
	r := registry(t)
	target := func(t *testing.T, path string) string { return "s3://" + bucketName + "/" + keyOf(t, path) + "?" + q }
	connectortest.Run(t, connectortest.Harness{
		Name: "s3 parquet",
		Ext:  ".parquet",
		NewSource: func(t *testing.T, path string) connectors.Source {
			s, err := r.Open(target(t, path), builtin.Options{})
			require.NoError(t, err)
			return s
		},
		NewSink: func(t *testing.T, path string) connectors.Sink {
			s, err := r.Create(target(t, path), builtin.Options{})
			require.NoError(t, err)
			return s
		},
		Types: []arrow.DataType{
			arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
			arrow.PrimitiveTypes.Uint64, arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String,
			arrow.BinaryTypes.Binary, arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Timestamp_us,
		},
		HugeRows: 1 << 16,
		Dataset: func(path string) lineage.Dataset {
			return lineage.Dataset{Namespace: "s3://" + bucketName, Name: keyOf(t, path)}
		},
		NotFiles:        true,
		DictionaryIndex: arrow.PrimitiveTypes.Int32,
	})
}

// writeWide writes a Parquet object of several wide columns through the
// s3 sink and returns its key.
func writeWide(t *testing.T, r *builtin.Registry, q string, mem memory.Allocator, rows int) string {
	t.Helper()
	ctx := context.Background()
	key := fmt.Sprintf("wide/%s/%s.parquet", rand.Text(), strings.ReplaceAll(t.Name(), "/", "_"))
	types := []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String}
	b, err := connectortest.Batch(mem, rows, types...)
	require.NoError(t, err)
	defer b.Release()
	sink, err := r.Create("s3://"+bucketName+"/"+key+"?"+q, builtin.Options{Compression: "none"})
	require.NoError(t, err)
	w, err := sink.Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Commit(ctx))
	return key
}

// TestRangeReads reads one column of a Parquet object: only the footer and
// that column's chunks are fetched, far less than the object.
func TestRangeReads(t *testing.T) {
	q := s3Query(t)
	r := registry(t)
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	const rows = 200_000
	key := writeWide(t, r, q, mem, rows)
	bucket := openBucket(t, q)
	attrs, err := bucket.Attributes(ctx, key)
	require.NoError(t, err)

	src, err := r.Open("s3://"+bucketName+"/"+key+"?"+q, builtin.Options{})
	require.NoError(t, err)
	ps, ok := src.(*blobconnector.ParquetSource)
	require.True(t, ok, "a .parquet key opens with range reads, got %T", src)

	n, err := ps.NumRows(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(rows), n)
	footer, _ := ps.Fetched()
	assert.Less(t, footer, attrs.Size/10, "the row count comes from the footer")

	name := connectortest.FieldName(0, arrow.PrimitiveTypes.Int64)
	rdr, err := ps.Open(ctx, connectors.ReadOptions{Allocator: mem, Columns: []string{name}})
	require.NoError(t, err)
	var got int64
	var sum int64
	for rdr.Next() {
		c := rdr.RecordBatch().Column(0).(*array.Int64)
		got += int64(c.Len())
		for i := range c.Len() {
			if c.IsValid(i) {
				sum += c.Value(i) % 1000
			}
		}
	}
	require.NoError(t, rdr.Err())
	rdr.Release()
	assert.Equal(t, int64(rows), got)

	fetched, reads := ps.Fetched()
	t.Logf("object %d bytes; projected read of 1 of 4 columns fetched %d bytes in %d range reads", attrs.Size, fetched-footer, reads)
	assert.Less(t, fetched, attrs.Size/2, "a projected read fetches less than the object")

	// The same values as the whole object read through a local copy.
	whole := blobconnector.NewSource(bucket, key, src.Dataset(), func(p string) (connectors.Source, error) { return parquetconnector.NewSource(p) })
	rdr, err = whole.Open(ctx, connectors.ReadOptions{Allocator: mem, Columns: []string{name}})
	require.NoError(t, err)
	var sum2 int64
	for rdr.Next() {
		c := rdr.RecordBatch().Column(0).(*array.Int64)
		for i := range c.Len() {
			if c.IsValid(i) {
				sum2 += c.Value(i) % 1000
			}
		}
	}
	require.NoError(t, rdr.Err())
	rdr.Release()
	assert.Equal(t, sum2, sum)
}

// TestAtomicWrite: nothing is visible before Commit, an Abort leaves no
// object and keeps the previous one.
func TestAtomicWrite(t *testing.T) {
	q := s3Query(t)
	r := registry(t)
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	bucket := openBucket(t, q)
	for _, ext := range []string{".parquet", ".csv"} {
		t.Run(ext, func(t *testing.T) {
			key := "atomic/" + rand.Text() + "/" + t.Name() + ext
			target := "s3://" + bucketName + "/" + key + "?" + q
			b, err := connectortest.Batch(mem, 100, arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String)
			require.NoError(t, err)
			defer b.Release()
			sink, err := r.Create(target, builtin.Options{})
			require.NoError(t, err)

			w, err := sink.Create(ctx, b.Schema())
			require.NoError(t, err)
			require.NoError(t, w.Write(b))
			exists, err := bucket.Exists(ctx, key)
			require.NoError(t, err)
			assert.False(t, exists, "visible before Commit")
			require.NoError(t, w.Abort(ctx))
			exists, err = bucket.Exists(ctx, key)
			require.NoError(t, err)
			assert.False(t, exists, "visible after Abort")

			w, err = sink.Create(ctx, b.Schema())
			require.NoError(t, err)
			require.NoError(t, w.Write(b))
			require.NoError(t, w.Commit(ctx))
			before, err := bucket.ReadAll(ctx, key)
			require.NoError(t, err)

			small := b.NewSlice(0, 3)
			defer small.Release()
			w, err = sink.Create(ctx, b.Schema())
			require.NoError(t, err)
			require.NoError(t, w.Write(small))
			require.NoError(t, w.Abort(ctx))
			after, err := bucket.ReadAll(ctx, key)
			require.NoError(t, err)
			assert.Equal(t, before, after, "an aborted overwrite keeps the previous object")

			src, err := r.Open(target, builtin.Options{SchemaHint: b.Schema()})
			require.NoError(t, err)
			rdr, err := src.Open(ctx, connectors.ReadOptions{Allocator: mem})
			require.NoError(t, err)
			defer rdr.Release()
			var got []arrow.RecordBatch
			for rdr.Next() {
				rdr.RecordBatch().Retain()
				got = append(got, rdr.RecordBatch())
			}
			require.NoError(t, rdr.Err())
			connectortest.AssertBatchesEqual(t, b, got)
			for _, g := range got {
				g.Release()
			}
		})
	}
}

func TestOpenerErrors(t *testing.T) {
	r := builtin.New()
	require.NoError(t, r.Register("s3", blobconnector.Opener(context.Background())))
	_, err := r.Open("s3://bucket-only", builtin.Options{})
	require.Error(t, err)
	_, err = r.Open("s3://b/key.unknown?region=us-east-1", builtin.Options{})
	require.ErrorIs(t, err, builtin.ErrUnknownFormat)
}

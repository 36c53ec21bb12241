package ordersgen_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/internal/ordersgen"
)

// TestPlantedCounts recounts every planted defect straight from the data,
// without the rule engine, so the documented numbers are known to be true.
func TestPlantedCounts(t *testing.T) {
	mem := arrowtest.Allocator(t)
	cfg := ordersgen.Default()
	rec, err := ordersgen.Generate(mem, cfg)
	require.NoError(t, err)
	defer rec.Release()
	require.EqualValues(t, cfg.Rows, rec.NumRows())

	ids := rec.Column(0).(*array.Int64)
	emails := rec.Column(2).(*array.String)
	amounts := rec.Column(3).(*array.Float64)
	status := rec.Column(5).(*array.String)
	ordered := rec.Column(6).(*array.Timestamp)
	shipped := rec.Column(7).(*array.Timestamp)
	contact := rec.Column(8).(*array.String)

	var got ordersgen.Defects
	idCount := map[int64]int{}
	allowed := map[string]bool{"new": true, "paid": true, "shipped": true, "cancelled": true, "refunded": true}
	for i := range cfg.Rows {
		idCount[ids.Value(i)]++
		switch {
		case emails.IsNull(i):
			got.NullEmails++
		case !validEmail(emails.Value(i)):
			got.MalformedEmails++
		}
		switch {
		case amounts.IsNull(i):
			got.NullAmounts++
		case amounts.Value(i) < 0:
			got.NegativeAmounts++
		}
		if !allowed[status.Value(i)] {
			got.BadStatus++
		}
		if shipped.IsValid(i) && shipped.Value(i) < ordered.Value(i) {
			got.ShippedBefore++
		}
		if strings.Contains(contact.Value(i), "@") {
			got.ContactIsEmail++
		}
	}
	for _, n := range idCount {
		assert.LessOrEqual(t, n, 2, "ids repeat at most once")
		if n == 2 {
			got.DuplicateIDs++
		}
	}
	assert.Equal(t, cfg.Defects, got)
}

// validEmail mirrors the email_format rule of testdata/orders/orders.yaml.
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.ContainsAny(local, " \t") || strings.ContainsAny(domain, "@ \t") {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1
}

func TestDeterministic(t *testing.T) {
	mem := arrowtest.Allocator(t)
	a, err := ordersgen.Generate(mem, ordersgen.Default())
	require.NoError(t, err)
	defer a.Release()
	b, err := ordersgen.Generate(mem, ordersgen.Default())
	require.NoError(t, err)
	defer b.Release()
	assert.True(t, array.RecordEqual(a, b))
}

// TestShippedFileIsCurrent fails when testdata/orders/orders.parquet no
// longer matches the generator: run `make orders`.
func TestShippedFileIsCurrent(t *testing.T) {
	mem := arrowtest.Allocator(t)
	want, err := ordersgen.Generate(mem, ordersgen.Default())
	require.NoError(t, err)
	defer want.Release()

	src, err := parquetconnector.NewSource("../../testdata/orders/orders.parquet")
	require.NoError(t, err)
	rd, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem, BatchSize: 4096})
	require.NoError(t, err)
	defer rd.Release()
	var batches []arrow.RecordBatch
	for rd.Next() {
		b := rd.RecordBatch()
		b.Retain()
		batches = append(batches, b)
	}
	require.NoError(t, rd.Err())
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	got := array.NewTableFromRecords(want.Schema(), batches)
	defer got.Release()
	wantTable := array.NewTableFromRecords(want.Schema(), []arrow.RecordBatch{want})
	defer wantTable.Release()
	assert.True(t, array.TableEqual(wantTable, got), "run `make orders` to regenerate testdata/orders")
}

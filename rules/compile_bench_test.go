package rules_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/rules"
)

// BenchmarkCompileOrders measures what sluice check spends compiling the
// orders rule file before its first batch: the CEL environments, the
// type-check and the plans of every rule.
func BenchmarkCompileOrders(b *testing.B) {
	rs, err := rules.Load("../testdata/orders/orders.yaml")
	require.NoError(b, err)
	src, err := parquetconnector.NewSource("../testdata/orders/orders.parquet")
	require.NoError(b, err)
	schema, err := src.Schema(context.Background())
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rs.Compile(schema); err != nil {
			b.Fatal(err)
		}
	}
}

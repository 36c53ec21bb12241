package kafka

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkGate consumes 10000 records from a 4-partition kfake topic with
// windows of 1000 records, routing to clean and quarantine topics.
func BenchmarkGate(b *testing.B) {
	const n = 10000
	var batches int
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		addrs := clusterB(b, n)
		cfg := config(addrs, filepath.Join(b.TempDir(), "ledger.db"))
		cfg.WindowRecords = 1000
		cfg.MaxRecords = n
		g, err := New(context.Background(), cfg)
		require.NoError(b, err)
		b.StartTimer()
		start := time.Now()
		require.NoError(b, g.Run(context.Background()))
		elapsed += time.Since(start)
		b.StopTimer()
		batches += g.Stats().Batches
		require.NoError(b, g.Close())
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(batches), "ms/micro-batch")
}

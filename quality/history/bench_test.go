package history

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkSavePartitions stores the states of 1,000 partitions (six
// metrics each, one run per partition) per iteration in SQLite.
func BenchmarkSavePartitions(b *testing.B) {
	states := intStates(b, seq(2000))
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s, err := Open(ctx, b.TempDir()+"/h.db")
		require.NoError(b, err)
		b.StartTimer()
		for p := range 1000 {
			require.NoError(b, s.SaveRun(ctx, RunRecord{RunID: "r", Dataset: "d", Partition: fmt.Sprint(p),
				StartedAt: t0.Add(time.Duration(p)), Status: "pass", States: states}))
		}
		b.StopTimer()
		require.NoError(b, s.Close())
		b.StartTimer()
	}
}

// BenchmarkMergePartitions loads the newest states of 1,000 partitions from
// SQLite and merges them into the states of the whole dataset.
func BenchmarkMergePartitions(b *testing.B) {
	states := intStates(b, seq(2000))
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/h.db")
	require.NoError(b, err)
	defer s.Close()
	for p := range 1000 {
		require.NoError(b, s.SaveRun(ctx, RunRecord{RunID: "r", Dataset: "d", Partition: fmt.Sprint(p),
			StartedAt: t0, Status: "pass", States: states}))
	}
	for b.Loop() {
		parts, err := s.States(ctx, "d")
		require.NoError(b, err)
		require.Len(b, parts, 1000)
		_, err = MergeStates(parts)
		require.NoError(b, err)
	}
}

func seq(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i * 7 % 1999)
	}
	return out
}

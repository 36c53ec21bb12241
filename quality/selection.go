package quality

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// selectRows returns a new batch (the caller's to release) with the rows of
// batch (borrowed) where mask[row] == keep, in order. A single contiguous
// run is a zero-copy slice; otherwise arrow compute's filter gathers the
// rows, with a slice-and-concatenate fallback for types it has no kernel
// for.
func selectRows(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch, mask []bool, keep bool) (arrow.RecordBatch, error) {
	runs := keptRuns(mask, keep)
	switch {
	case len(runs) == 0:
		return batch.NewSlice(0, 0), nil
	case len(runs) == 1:
		return batch.NewSlice(int64(runs[0][0]), int64(runs[0][1])), nil
	}
	bb := array.NewBooleanBuilder(mem)
	defer bb.Release()
	bb.Reserve(len(mask))
	for _, m := range mask {
		bb.UnsafeAppend(m == keep)
	}
	filter := bb.NewBooleanArray()
	defer filter.Release()
	out, err := compute.FilterRecordBatch(compute.WithAllocator(ctx, mem), batch, filter, compute.DefaultFilterOptions())
	if err == nil {
		return out, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return concatRuns(mem, batch, runs)
}

// keptRuns returns the [start, end) ranges of rows where mask[row] == keep.
func keptRuns(mask []bool, keep bool) [][2]int {
	var runs [][2]int
	start := -1
	for i, m := range mask {
		switch {
		case m == keep && start < 0:
			start = i
		case m != keep && start >= 0:
			runs = append(runs, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		runs = append(runs, [2]int{start, len(mask)})
	}
	return runs
}

func concatRuns(mem memory.Allocator, batch arrow.RecordBatch, runs [][2]int) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, 0, batch.NumCols())
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	var rows int64
	for _, r := range runs {
		rows += int64(r[1] - r[0])
	}
	for i, col := range batch.Columns() {
		parts := make([]arrow.Array, len(runs))
		for j, r := range runs {
			parts[j] = array.NewSlice(col, int64(r[0]), int64(r[1]))
		}
		out, err := array.Concatenate(parts, mem)
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			return nil, fmt.Errorf("select rows of column %q: %w", batch.ColumnName(i), err)
		}
		cols = append(cols, out)
	}
	return array.NewRecordBatch(batch.Schema(), cols, rows), nil
}

// quarantineBatch returns the failing rows of batch (borrowed) with the
// FailedRulesColumn appended, on schema qsch. The caller releases it.
func quarantineBatch(ctx context.Context, mem memory.Allocator, qsch *arrow.Schema, batch arrow.RecordBatch, sp *split) (arrow.RecordBatch, error) {
	rows, err := selectRows(ctx, mem, batch, sp.failed, true)
	if err != nil {
		return nil, err
	}
	defer rows.Release()
	lb := array.NewListBuilder(mem, arrow.BinaryTypes.String)
	defer lb.Release()
	vb := lb.ValueBuilder().(*array.StringBuilder)
	lb.Reserve(sp.nFailed)
	for row, failed := range sp.failed {
		if !failed {
			continue
		}
		lb.Append(true)
		for _, name := range sp.rules[row] {
			vb.Append(name)
		}
	}
	names := lb.NewArray()
	defer names.Release()
	cols := append(append([]arrow.Array{}, rows.Columns()...), names)
	return array.NewRecordBatch(qsch, cols, rows.NumRows()), nil
}

package rules

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// EvalReader evaluates every batch of rdr on workers goroutines (workers ≤ 0
// means GOMAXPROCS) and folds them into r.
//
// each, when not nil, is called on the calling goroutine once per batch, in
// the reader's order, with the batch (borrowed for the call) and its result.
// An error from each, from a batch or from ctx stops the reading; batches
// already read are released and none is lost silently: the error says which
// batch failed.
//
// Each batch is folded into a state of its own, and those states are merged
// into r in batch order, so the results are the same for any number of
// workers. At most two batches per worker are in flight, so memory stays
// bounded whatever the reader's length.
func (r *Run) EvalReader(ctx context.Context, rdr array.RecordReader, workers int, each func(batch arrow.RecordBatch, res *BatchResult) error) error {
	if r.err != nil {
		return r.err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		seq   int
		batch arrow.RecordBatch
	}
	type done struct {
		job
		run *Run
		res *BatchResult
		err error
	}
	jobs := make(chan job)
	results := make(chan done, workers)
	// slots bounds the batches read but not yet consumed.
	slots := make(chan struct{}, 2*workers)

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				child := &Run{p: r.p, cfg: r.cfg}
				child.init()
				res, err := child.Eval(ctx, j.batch)
				results <- done{job: j, run: child, res: res, err: err}
			}
		})
	}

	// The reader feeds the workers; readErr is read after results closes.
	var readErr error
	go func() {
		defer func() {
			close(jobs)
			wg.Wait()
			close(results)
		}()
		for seq := 0; ; seq++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			if !rdr.Next() {
				if err := rdr.Err(); err != nil {
					readErr = fmt.Errorf("rules: read batch %d: %w", seq, err)
				}
				return
			}
			b := rdr.RecordBatch()
			b.Retain()
			select {
			case jobs <- job{seq: seq, batch: b}:
			case <-ctx.Done():
				b.Release()
				return
			}
		}
	}()

	pending := map[int]done{}
	next := 0
	var first error
	fail := func(err error) {
		if first == nil {
			first = err
			cancel()
		}
	}
	for d := range results {
		pending[d.seq] = d
		for {
			d, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if first == nil {
				switch {
				case d.err != nil:
					fail(fmt.Errorf("rules: batch %d: %w", d.seq, d.err))
				default:
					if err := r.Merge(d.run); err != nil {
						fail(fmt.Errorf("rules: batch %d: %w", d.seq, err))
					} else if each != nil {
						if err := each(d.batch, d.res); err != nil {
							fail(err)
						}
					}
				}
			}
			d.batch.Release()
			<-slots
		}
	}
	for _, d := range pending { // only after a failure
		d.batch.Release()
	}
	if first == nil {
		first = readErr
	}
	if first == nil {
		first = parent.Err()
	}
	return first
}

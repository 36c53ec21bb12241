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
// workers. The merges run on a goroutine of their own, in that order, while
// each is called for the next batches: a large exact-count state (a unique
// key over millions of rows) does not hold up the callback. At most two
// batches per worker are in flight and at most workers states wait for
// their merge, so memory stays bounded whatever the reader's length. r is
// not touched by each: it is complete when EvalReader returns.
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
		at    int64 // the dataset position of the batch's first row
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
				child.next = j.at
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
		at := r.next
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
			j := job{seq: seq, batch: b, at: at}
			at += b.NumRows()
			select {
			case jobs <- j:
			case <-ctx.Done():
				b.Release()
				return
			}
		}
	}()

	// The merges into r, in batch order, off the ordered loop. mergeErr
	// is read after merged closes.
	type fold struct {
		seq int
		run *Run
	}
	folds := make(chan fold, workers)
	merged := make(chan struct{})
	var mergeErr error
	go func() {
		defer close(merged)
		for f := range folds {
			if mergeErr != nil {
				continue
			}
			if err := r.Merge(f.run); err != nil {
				mergeErr = fmt.Errorf("rules: batch %d: %w", f.seq, err)
				cancel()
				continue
			}
			r.next = f.run.next
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
					folds <- fold{seq: d.seq, run: d.run}
					if each != nil {
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
	close(folds)
	<-merged
	if mergeErr != nil {
		// Its batch precedes any other failure: folds stop at the first,
		// and a later one may only be the cancellation it caused.
		first = mergeErr
	}
	if first == nil {
		first = readErr
	}
	if first == nil {
		first = parent.Err()
	}
	return first
}

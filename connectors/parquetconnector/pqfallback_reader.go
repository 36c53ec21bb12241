package parquetconnector

import (
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// fallbackReader is the record reader of a pqarrow read: it recovers the
// panics of that reader as ErrCorrupt and closes the file when released.
type fallbackReader struct {
	refs  atomic.Int64
	inner array.RecordReader
	file  readerAtCloser
	path  string
	// order[k] is the column of inner's batches that is column k here.
	order  []int
	schema *arrow.Schema
	cur    arrow.RecordBatch
	err    error
	done   bool
}

func (r *fallbackReader) Retain() { r.refs.Add(1) }

func (r *fallbackReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.inner.Release()
	if r.file != nil {
		_ = r.file.Close()
		r.file = nil
	}
}

func (r *fallbackReader) Schema() *arrow.Schema { return r.schema }

func (r *fallbackReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (r *fallbackReader) Record() arrow.RecordBatch { return r.RecordBatch() }

func (r *fallbackReader) Err() error { return r.err }

func (r *fallbackReader) Next() (ok bool) {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			r.err = corrupt(r.path, fmt.Errorf("%v", p))
			ok = false
		}
		if !ok {
			r.done = true
		}
	}()
	if r.inner.Next() {
		rec := r.inner.RecordBatch()
		cols := make([]arrow.Array, len(r.order))
		for k, c := range r.order {
			cols[k] = rec.Column(c)
		}
		r.cur = array.NewRecordBatch(r.schema, cols, rec.NumRows())
		return true
	}
	if err := r.inner.Err(); err != nil {
		r.err = corrupt(r.path, err)
	}
	return false
}

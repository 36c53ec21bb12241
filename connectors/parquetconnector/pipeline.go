package parquetconnector

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// DefaultRowGroupWorkers is the number of row groups a reader decodes at
// the same time unless WithRowGroupWorkers says otherwise (never more than
// GOMAXPROCS).
const DefaultRowGroupWorkers = 2

// WithRowGroupWorkers sets how many row groups a reader decodes at the
// same time, each on its own goroutine. Batches are still returned in file
// order, and are the same as those of a sequential read. A reader holds
// the decoded batches of at most n row groups (the one being returned
// included), so n bounds its memory at n decoded row groups. n is capped
// at GOMAXPROCS; n <= 1 decodes one row group after another, as a file
// with a single row group always is. Zero keeps DefaultRowGroupWorkers.
func WithRowGroupWorkers(n int) SourceOption {
	return func(s *Source) {
		if n == 0 {
			n = DefaultRowGroupWorkers
		}
		s.rgWorkers = n
	}
}

// rowGroupWorkers is the number of row groups a reader of a file with
// groups row groups decodes at once.
func (s *Source) rowGroupWorkers(groups int) int {
	n := s.rgWorkers
	if n == 0 {
		n = DefaultRowGroupWorkers
	}
	return max(1, min(n, groups, runtime.GOMAXPROCS(0)))
}

// pipeline decodes row groups ahead of the consumer: a dispatcher starts
// one goroutine per row group, in file order, while fewer than cap(slots)
// row groups are in flight. A row group is in flight from the moment its
// goroutine starts until the consumer has taken its last batch; its
// goroutine decodes it into its channel, sized to hold every batch of the
// group up to maxAhead, so it waits for the consumer only past that.
// maxAhead bounds the batches of one row group decoded ahead of the
// consumer.
const maxAhead = 256

type pipeline struct {
	r     *reader
	slots chan struct{}      // one token per row group in flight
	order chan *groupBatches // row groups in file order
	quit  chan struct{}      // closed by stop
	wg    sync.WaitGroup
	cur   *groupBatches // row group being returned
	once  sync.Once

	// inflight and maxInflight count row groups in flight, for tests.
	mu          sync.Mutex
	inflight    int
	maxInflight int
}

// groupBatches are the batches of one row group, then an error if its
// decoding failed.
type groupBatches struct {
	c chan batchOrErr
}

type batchOrErr struct {
	rec arrow.RecordBatch
	err error
}

func newPipeline(r *reader, workers int) *pipeline {
	p := &pipeline{
		r:     r,
		slots: make(chan struct{}, workers),
		order: make(chan *groupBatches, workers),
		quit:  make(chan struct{}),
	}
	p.wg.Add(1)
	go p.dispatch()
	return p
}

// dispatch starts the decoding of each row group in turn, once a slot is
// free, and hands its batches to the consumer in file order.
func (p *pipeline) dispatch() {
	defer p.wg.Done()
	defer close(p.order)
	rgs := p.r.pf.RowGroups()
	for k := range rgs {
		select {
		case p.slots <- struct{}{}:
		case <-p.quit:
			return
		}
		p.mu.Lock()
		p.inflight++
		p.maxInflight = max(p.maxInflight, p.inflight)
		p.mu.Unlock()
		// One channel slot per batch, up to maxAhead, plus one for an
		// error; a larger group waits for the consumer past maxAhead.
		n := rgs[k].NumRows()
		size := 1
		if n > 0 {
			size += int(min((n+int64(p.r.batch)-1)/int64(p.r.batch), maxAhead))
		}
		g := &groupBatches{c: make(chan batchOrErr, size)}
		p.wg.Add(1)
		go p.decode(k, g)
		select {
		case p.order <- g:
		case <-p.quit:
			return
		}
	}
}

// decode decodes row group k into g with columns of its own; it stops at
// the first error, which is the last element of g.
func (p *pipeline) decode(k int, g *groupBatches) {
	defer p.wg.Done()
	defer close(g.c)
	r := p.r
	cols := make([]*colState, len(r.cols))
	for i, c := range r.cols {
		cols[i] = &colState{column: c.column}
	}
	var err error
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("row group %d: %v", k, e)
		}
		func() {
			defer func() {
				if e := recover(); e != nil && err == nil {
					err = fmt.Errorf("row group %d: %v", k, e)
				}
			}()
			for _, c := range cols {
				c.close()
			}
		}()
		if err != nil {
			select {
			case g.c <- batchOrErr{err: err}:
			case <-p.quit:
			}
		}
	}()
	left, err := r.startRowGroup(k, cols)
	if err != nil {
		return
	}
	for left > 0 {
		select {
		case <-p.quit:
			return
		default:
		}
		n := int(min(int64(r.batch), left))
		var arrs []arrow.Array
		arrs, err = r.readColumns(cols, n)
		if err != nil {
			return
		}
		left -= int64(n)
		rec := array.NewRecordBatch(r.schema, arrs, int64(n))
		for _, a := range arrs {
			a.Release()
		}
		select {
		case g.c <- batchOrErr{rec: rec}:
		case <-p.quit:
			rec.Release()
			return
		}
	}
}

// next returns the next batch in file order, nil at the end of the file.
func (p *pipeline) next() (arrow.RecordBatch, error) {
	for {
		if p.cur == nil {
			g, ok := <-p.order
			if !ok {
				return nil, nil
			}
			p.cur = g
		}
		b, ok := <-p.cur.c
		if ok {
			return b.rec, b.err
		}
		// The row group is done: its slot goes to the next one.
		p.cur = nil
		p.mu.Lock()
		p.inflight--
		p.mu.Unlock()
		<-p.slots
	}
}

// stop ends the decoding goroutines, waits for them and releases the
// batches nobody will take; idempotent.
func (p *pipeline) stop() {
	p.once.Do(func() {
		close(p.quit)
		// A dispatcher waiting for a slot sees quit; one that has handed
		// out a row group no longer waits.
		p.wg.Wait()
		drain := func(g *groupBatches) {
			for b := range g.c {
				if b.rec != nil {
					b.rec.Release()
				}
			}
		}
		if p.cur != nil {
			drain(p.cur)
			p.cur = nil
		}
		for g := range p.order {
			drain(g)
		}
	})
}

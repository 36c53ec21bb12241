package quality

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/connectors"
)

// pipe writes batches to a writer on a goroutine of its own, in the order
// they are sent, so that encoding an output (compression, above all)
// overlaps the evaluation, the accounting and the other output. At most
// pipeDepth batches wait for the writer, which bounds memory.
type pipe struct {
	w      connectors.Writer
	ch     chan arrow.RecordBatch
	failed chan struct{} // closed when err is set
	done   chan struct{} // closed when the goroutine has returned
	err    error         // the first write error; read after failed or done
	closed bool
	timed  bool          // sum the time of the writes in busy
	busy   time.Duration // read after done
}

const pipeDepth = 1

// newPipe starts the writer goroutine of w; timed sums the time of its
// writes (the write stage of the gate's metrics).
func newPipe(w connectors.Writer, timed bool) *pipe {
	p := &pipe{w: w, timed: timed, ch: make(chan arrow.RecordBatch, pipeDepth),
		failed: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

func (p *pipe) loop() {
	defer close(p.done)
	for b := range p.ch {
		if p.err == nil {
			var t0 time.Time
			if p.timed {
				t0 = time.Now()
			}
			err := p.w.Write(b)
			if p.timed {
				p.busy += time.Since(t0)
			}
			if err != nil {
				p.err = err
				close(p.failed)
			}
		}
		b.Release()
	}
}

// write hands batch over to the writer; it takes ownership of batch. The
// error is that of an earlier batch's write, once one failed.
func (p *pipe) write(batch arrow.RecordBatch) error {
	select {
	case <-p.failed:
		batch.Release()
		return p.err
	default:
	}
	select {
	case p.ch <- batch:
		return nil
	case <-p.failed:
		batch.Release()
		return p.err
	}
}

// flush waits until every batch sent is written and returns the first
// write error. The pipe takes no more batches; flush may be called again.
func (p *pipe) flush() error {
	if !p.closed {
		p.closed = true
		close(p.ch)
	}
	<-p.done
	return p.err
}

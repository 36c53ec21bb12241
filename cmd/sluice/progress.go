package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sluicedata/sluice/internal/textsafe"
)

// progress draws one self-overwriting line on a terminal: rows read so far
// and the rate, at most five times a second.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	name  string
	now   func() time.Time
	start time.Time
	last  time.Time
	rows  int64
	drawn bool
}

func newProgress(w io.Writer, name string, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, name: textsafe.Escape(name), now: now, start: t, last: t}
}

// update records that rows rows have been read in all.
func (p *progress) update(rows int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rows = rows
	t := p.now()
	if t.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = t
	p.draw(t)
}

func (p *progress) draw(t time.Time) {
	secs := t.Sub(p.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(p.rows) / secs
	}
	fmt.Fprintf(p.w, "\r\033[K%s: %d rows read (%.0f rows/s, %.1fs)", p.name, p.rows, rate, secs)
	p.drawn = true
}

// done clears the line.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

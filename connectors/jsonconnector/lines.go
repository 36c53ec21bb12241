package jsonconnector

import (
	"bytes"
	"io"
	"sort"
)

// lineTracker remembers where the newlines are in the bytes read through
// it, so that byte offsets reported by a json.Decoder can be turned into
// line and column. Offsets below the last prune point are forgotten,
// keeping memory bounded by the decoder's read-ahead.
type lineTracker struct {
	r          io.Reader
	off        int64   // bytes read so far
	nl         []int64 // offsets of newlines not yet pruned
	pruned     int     // newlines pruned
	lastPruned int64   // offset of the last pruned newline, -1 if none
}

func newLineTracker(r io.Reader) *lineTracker { return &lineTracker{r: r, lastPruned: -1} }

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		t.nl = append(t.nl, t.off+int64(i+j))
		i += j + 1
	}
	t.off += int64(n)
	return n, err
}

// prune forgets newlines before off.
func (t *lineTracker) prune(off int64) {
	k := sort.Search(len(t.nl), func(i int) bool { return t.nl[i] >= off })
	if k == 0 {
		return
	}
	t.lastPruned = t.nl[k-1]
	t.pruned += k
	t.nl = append(t.nl[:0], t.nl[k:]...)
}

// position returns the 1-based line and byte column of offset off.
func (t *lineTracker) position(off int64) (line, col int) {
	k := sort.Search(len(t.nl), func(i int) bool { return t.nl[i] >= off })
	prev := t.lastPruned
	if k > 0 {
		prev = t.nl[k-1]
	}
	return t.pruned + k + 1, int(off - prev)
}

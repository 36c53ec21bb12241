package csvconnector

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
)

// byteLimiter is the byte-at-a-time count the limiter must agree with.
type byteLimiter struct{ limiter }

func (l *byteLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		l.recBytes++
		l.fieldBytes++
		l.col++
		switch {
		case c == '"':
			l.inQuote = !l.inQuote
		case c == '\n':
			l.line++
			l.col = 0
			if !l.inQuote {
				l.recLine, l.recBytes, l.fieldBytes, l.fields = l.line, 0, 0, 1
				continue
			}
		case c == l.delim && !l.inQuote:
			l.fields++
			l.fieldBytes = 0
			if l.fields > l.lim.MaxColumns {
				l.err = l.mk(l.line, l.col, fmt.Errorf("record has more than %d fields: %w", l.lim.MaxColumns, connectors.ErrLimit))
				return i, nil
			}
		}
		if e := l.check(); e != nil {
			l.err = e
			return i, nil
		}
	}
	return n, err
}

// The limiter, counting runs of ordinary bytes at once, passes on the same
// bytes and stops with the same error at the same place as a count byte by
// byte, whatever the limits, the content and the read sizes.
func TestLimiterAgreesWithByteCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("ab,\"\n\r;x")
	for trial := range 3000 {
		content := make([]byte, rng.IntN(300))
		for i := range content {
			if rng.IntN(3) == 0 {
				content[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				content[i] = 'a' + byte(rng.IntN(3))
			}
		}
		lim := connectors.Limits{MaxRecordBytes: int64(1 + rng.IntN(60)), MaxFieldBytes: int64(1 + rng.IntN(40)), MaxColumns: 1 + rng.IntN(8)}
		delim := []rune{',', ';', 0x2021}[rng.IntN(3)]
		mk := func(line, col int, err error) error { return fmt.Errorf("line %d col %d: %w", line, col, err) }
		read := func(r io.Reader) ([]byte, string) {
			var out bytes.Buffer
			buf := make([]byte, 1+rng.IntN(50))
			for {
				n, err := r.Read(buf)
				out.Write(buf[:n])
				if err != nil {
					if err == io.EOF {
						return out.Bytes(), ""
					}
					return out.Bytes(), err.Error()
				}
				if n == 0 {
					// An error is returned by the next Read.
					if _, err := r.Read(buf); err != nil && err != io.EOF {
						return out.Bytes(), err.Error()
					}
				}
			}
		}
		seed := rng.Uint64()
		rng = rand.New(rand.NewPCG(seed, 1))
		fast := newLimiter(iotest.HalfReader(bytes.NewReader(content)), lim, delim, mk)
		gotBytes, gotErr := read(fast)
		rng = rand.New(rand.NewPCG(seed, 1))
		slow := &byteLimiter{*newLimiter(iotest.HalfReader(bytes.NewReader(content)), lim, delim, mk)}
		wantBytes, wantErr := read(slow)
		require.Equal(t, wantErr, gotErr, "trial %d %q %+v", trial, content, lim)
		require.Equal(t, wantBytes, gotBytes, "trial %d %q %+v", trial, content, lim)
	}
}

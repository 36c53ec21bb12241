package csvconnector

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"unsafe"
)

// records is what the source reads records through: encoding/csv's Reader,
// or recordReader for single-byte delimiters.
type records interface {
	Read() ([]string, error)
	FieldPos(field int) (line, column int)
}

// recordReader reads RFC 4180 records with encoding/csv's rules and
// errors (*csv.ParseError with ErrQuote, ErrBareQuote, ErrFieldCount; blank
// lines skipped; "\r\n" read as "\n"; a final "\r" before the end dropped;
// the field count set by the first record), for a single-byte delimiter.
// It streams bytes from its buffer into one record buffer instead of
// gathering a line first, so that a long record costs about twice its size,
// not four or five times.
type recordReader struct {
	br    *bufio.Reader
	delim byte
	want  int // fields per record, from the first; 0 before it

	buf    []byte // unquoted field bytes of the current record
	ends   []int  // end offset in buf of each field
	pos    []fieldPos
	fields []string
	line   int // 1-based line of the next byte
	col    int // bytes of that line before the next byte
	// prevCol is the length of the line before, when a quoted field
	// spans lines.
	prevCol int
	err     error
	// keep, when not nil, says which fields' bytes are kept: the others
	// (and fields past its end) are read as "", their syntax still
	// checked. drop is set for the current field.
	keep []bool
	drop bool
	// alias makes the fields of a record alias the record buffer instead
	// of sharing a copy of it: valid only until the next Read. The data
	// rows are read so (their values are parsed or copied into builders
	// at once); the header is not.
	alias bool
}

type fieldPos struct{ line, col int }

func newRecordReader(br *bufio.Reader, delim byte) *recordReader {
	return &recordReader{br: br, delim: delim, line: 1}
}

// FieldPos returns the line and 1-based byte column where field started in
// the record last read.
func (r *recordReader) FieldPos(field int) (line, column int) {
	if field < 0 || field >= len(r.pos) {
		return 0, 0
	}
	return r.pos[field].line, r.pos[field].col
}

const (
	stFieldStart = iota
	stUnquoted
	stQuoted
	stQuoteInQuoted // a quote inside a quoted field: closing, or the first of ""
)

// Read returns the next record. Its strings share one allocation per
// record and stay valid; the slice is reused by the next Read. Fields that
// keep does not keep are "".
func (r *recordReader) Read() ([]string, error) {
	if r.err != nil {
		return nil, r.err
	}
	r.buf, r.ends, r.pos = r.buf[:0], r.ends[:0], r.pos[:0]
	state := stFieldStart
	recLine := r.line
	empty := true // nothing of the record seen yet (blank lines are skipped)
	pendingCR := false
	startField := func() { r.begin(r.line, r.col+1) }
	endField := func() { r.ends = append(r.ends, len(r.buf)) }
	for {
		chunk, rerr := r.br.ReadSlice('\n')
		for i := 0; i < len(chunk); i++ {
			c := chunk[i]
			if pendingCR {
				pendingCR = false
				if c != '\n' {
					switch state {
					case stQuoteInQuoted:
						return r.fail(&csv.ParseError{StartLine: recLine, Line: r.line, Column: r.col, Err: csv.ErrQuote})
					case stFieldStart:
						r.begin(r.line, r.col)
						state, empty = stUnquoted, false
					}
					if !r.drop {
						r.buf = append(r.buf, '\r')
					}
				}
			}
			if c == '\r' {
				// Held back: "\r\n" is a line break, a lone "\r" data.
				pendingCR = true
				r.col++
				continue
			}
			switch state {
			case stFieldStart:
				switch c {
				case '\n':
					r.line, r.col = r.line+1, 0
					if empty {
						recLine = r.line
						continue
					}
					startField()
					endField()
					return r.finish(recLine)
				case r.delim:
					startField()
					endField()
				case '"':
					startField()
					state = stQuoted
				default:
					startField()
					if !r.drop {
						r.buf = append(r.buf, c)
					}
					state = stUnquoted
				}
				empty = false
			case stUnquoted:
				switch c {
				case '\n':
					r.line, r.col = r.line+1, 0
					endField()
					return r.finish(recLine)
				case r.delim:
					endField()
					state = stFieldStart
				case '"':
					return r.fail(&csv.ParseError{StartLine: recLine, Line: r.line, Column: r.col + 1, Err: csv.ErrBareQuote})
				default:
					// Copy the run up to the next byte that matters.
					j := i + 1
					for j < len(chunk) && !special(chunk[j], r.delim) {
						j++
					}
					if !r.drop {
						r.buf = appendRun(r.buf, chunk[i:j])
					}
					r.col += j - i - 1
					i = j - 1
				}
			case stQuoted:
				switch c {
				case '"':
					state = stQuoteInQuoted
				case '\n':
					if !r.drop {
						r.buf = append(r.buf, '\n')
					}
					r.line, r.prevCol, r.col = r.line+1, r.col+1, 0
					continue
				default:
					j := i + 1
					for j < len(chunk) && chunk[j] != '"' && chunk[j] != '\n' && chunk[j] != '\r' {
						j++
					}
					if !r.drop {
						r.buf = appendRun(r.buf, chunk[i:j])
					}
					r.col += j - i - 1
					i = j - 1
				}
			case stQuoteInQuoted:
				switch c {
				case '"':
					if !r.drop {
						r.buf = append(r.buf, '"')
					}
					state = stQuoted
				case r.delim:
					endField()
					state = stFieldStart
				case '\n':
					r.line, r.col = r.line+1, 0
					endField()
					return r.finish(recLine)
				default:
					return r.fail(&csv.ParseError{StartLine: recLine, Line: r.line, Column: r.col + 1, Err: csv.ErrQuote})
				}
			}
			r.col++
		}
		if rerr == nil || errors.Is(rerr, bufio.ErrBufferFull) {
			continue
		}
		// End of input, or a read error (a limit, a cancelled read).
		if !errors.Is(rerr, io.EOF) {
			return r.fail(rerr)
		}
		switch {
		case empty:
			r.err = io.EOF
			return nil, io.EOF
		case state == stQuoted:
			line, col := r.line, r.col+1
			if r.col == 0 || r.col == 1 && pendingCR {
				line, col = line-1, r.prevCol // at the end of the line before
			}
			return r.fail(&csv.ParseError{StartLine: recLine, Line: line, Column: col, Err: csv.ErrQuote})
		case state == stFieldStart:
			startField()
		}
		endField()
		rec, err := r.finish(recLine)
		if err == nil {
			r.err = io.EOF
		}
		return rec, err
	}
}

// begin starts a field at line and 1-based byte col.
func (r *recordReader) begin(line, col int) {
	i := len(r.pos)
	r.drop = r.keep != nil && (i >= len(r.keep) || !r.keep[i])
	r.pos = append(r.pos, fieldPos{line, col})
}

// special reports the bytes that end a run of an unquoted field.
func special(c, delim byte) bool {
	return c == delim || c == '\n' || c == '\r' || c == '"'
}

// finish cuts the record buffer into fields and checks their count.
func (r *recordReader) finish(recLine int) ([]string, error) {
	var s string
	if r.alias {
		s = unsafe.String(unsafe.SliceData(r.buf), len(r.buf))
	} else {
		s = string(r.buf)
	}
	r.fields = r.fields[:0]
	start := 0
	for _, end := range r.ends {
		r.fields = append(r.fields, s[start:end])
		start = end
	}
	if r.want == 0 {
		r.want = len(r.fields)
	} else if len(r.fields) != r.want {
		return r.fields, &csv.ParseError{StartLine: recLine, Line: recLine, Column: 1, Err: csv.ErrFieldCount}
	}
	return r.fields, nil
}

func (r *recordReader) fail(err error) ([]string, error) {
	r.err = err
	return nil, err
}

// appendRun appends run to buf, doubling the capacity when it grows: a
// long record then leaves about its size in garbage, not the four times of
// append's gentler growth for large slices.
func appendRun(buf, run []byte) []byte {
	if len(buf)+len(run) > cap(buf) {
		grown := make([]byte, len(buf), max(2*cap(buf), len(buf)+len(run), 4096))
		copy(grown, buf)
		buf = grown
	}
	return append(buf, run...)
}

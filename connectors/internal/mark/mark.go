// Package mark builds the connectors.InvalidColumn of the text readers:
// per row, null, or a JSON object of the raw text of the cells that did not
// parse as their column's type.
package mark

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
)

// Field is the field of connectors.InvalidColumn that a read with
// marking appends after the columns read.
var Field = arrow.Field{Name: connectors.InvalidColumn, Type: arrow.BinaryTypes.String, Nullable: true,
	Metadata: arrow.NewMetadata([]string{connectors.MarksKey}, []string{"1"})}

// ReservedError is the error of a read that asks for marking on a file
// that has a column named connectors.InvalidColumn.
func ReservedError(pkg, path string) error {
	return fmt.Errorf("%s: %s: the file has a column named %q, the name of the column that marks invalid values: %w (rename the column, or read without marking)",
		pkg, path, connectors.InvalidColumn, connectors.ErrUnsupported)
}

// Marker gathers the cells of one row that a read made null under
// connectors.InvalidMark, and appends the row's InvalidColumn value: null
// when there are none, else a JSON object mapping each column's name to
// the cell's raw text, in column order. Rows without a marked cell cost
// one AppendNull.
type Marker struct {
	b     *array.StringBuilder
	names [][]byte // JSON text of each output column's name
	cells []markedCell
	buf   []byte
}

type markedCell struct {
	col int
	raw string
}

// New returns a Marker appending to b for the output columns fields.
func New(b *array.StringBuilder, fields []arrow.Field) *Marker {
	m := &Marker{b: b, names: make([][]byte, len(fields))}
	for i, f := range fields {
		m.names[i], _ = json.Marshal(f.Name) // a string always marshals
	}
	return m
}

// Mark records that column col of the current row held raw.
func (m *Marker) Mark(col int, raw string) {
	m.cells = append(m.cells, markedCell{col: col, raw: raw})
}

// EndRow appends the current row's value and starts the next row.
func (m *Marker) EndRow() {
	if len(m.cells) == 0 {
		m.b.AppendNull()
		return
	}
	slices.SortStableFunc(m.cells, func(a, b markedCell) int { return a.col - b.col })
	buf := append(m.buf[:0], '{')
	for k, c := range m.cells {
		if k > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, m.names[c.col]...)
		buf = append(buf, ':')
		raw, _ := json.Marshal(validUTF8(c.raw)) // a string always marshals
		buf = append(buf, raw...)
	}
	buf = append(buf, '}')
	m.b.BinaryBuilder.Append(buf)
	m.buf = buf
	clear(m.cells) // drop references to the row's text
	m.cells = m.cells[:0]
}

// validUTF8 returns s with each byte that is not part of a UTF-8 sequence
// replaced by U+FFFD, as encoding/json decodes such a string.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

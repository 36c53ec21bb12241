package hostile

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParquetMaxColumns is the most columns a Parquet file can hold: parquet-go
// numbers columns with an int16 and keeps one for the root.
const ParquetMaxColumns = 65534

// WideCSV writes a CSV file of cols int64 columns (c0, c1, …) and two
// rows: more than ParquetMaxColumns of them make a file no Parquet sink can
// write.
// Write errors of the buffered writer are sticky: Flush returns them.
func WideCSV(w io.Writer, cols int) error {
	bw := bufio.NewWriter(w)
	for row := -1; row < 2; row++ {
		for c := range cols {
			if c > 0 {
				_ = bw.WriteByte(',')
			}
			if row < 0 {
				_, _ = bw.WriteString("c" + strconv.Itoa(c))
			} else {
				_, _ = bw.WriteString(strconv.Itoa(row + 1))
			}
		}
		_ = bw.WriteByte('\n')
	}
	return bw.Flush()
}

// LongLineCSV writes the header "a,b" and one row whose second field is n
// bytes long: a single line far longer than any sane limit.
func LongLineCSV(w io.Writer, n int64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	_, _ = bw.WriteString("a,b\n1,")
	chunk := []byte(strings.Repeat("x", 1<<16))
	for n > 0 {
		k := min(n, int64(len(chunk)))
		if _, err := bw.Write(chunk[:k]); err != nil {
			return err
		}
		n -= k
	}
	_, _ = bw.WriteString("\n")
	return bw.Flush()
}

// UnclosedQuoteCSV is a CSV file whose quote on line 3 is never closed.
const UnclosedQuoteCSV = "a,b\n1,x\n2,\"never closed\n3,z\n4,w\n"

// InvalidUTF8HeaderCSV is a CSV file whose second header name is not UTF-8
// and carries an escape sequence.
const InvalidUTF8HeaderCSV = "a,b\xff\xfe\x1b[2J\n1,x\n2,y\n"

// NULCSV is a CSV file whose value on line 3 holds NUL bytes.
const NULCSV = "a,b\n1,x\n2,z\x00\x00y\n3,w\n"

// NestedJSON returns a JSON array document with one object whose value b
// nests depth arrays.
func NestedJSON(depth int) []byte {
	return []byte(`[{"a": 1, "b": ` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "}]\n")
}

// NestedNDJSON returns an NDJSON document whose second line nests depth
// objects.
func NestedNDJSON(depth int) []byte {
	return []byte(`{"a": 1}` + "\n" + `{"a": 2, "b": ` + strings.Repeat(`{"b": `, depth) + "null" + strings.Repeat("}", depth) + "}\n")
}

// HugeColumnNameCSV returns a CSV file with a column a and a column whose
// name is n bytes long.
func HugeColumnNameCSV(n int) []byte {
	name := strings.Repeat("n", n)
	return []byte("a," + name + "\n1,x\n2,y\n")
}

// YAMLBomb returns a rule file whose anchors expand to width^depth
// strings ("billion laughs") inside a key the rule file does not have.
func YAMLBomb(depth, width int) string {
	var b strings.Builder
	b.WriteString("version: 1\ndataset: bomb\nowner: o@example.com\n")
	b.WriteString("x0: &a0 [" + strings.TrimSuffix(strings.Repeat("lol,", width), ",") + "]\n")
	for i := 1; i < depth; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), width), ",")
		fmt.Fprintf(&b, "x%d: &a%d [%s]\n", i, i, refs)
	}
	b.WriteString("rules:\n  - name: r\n    expr: a > 0\n")
	return b.String()
}

// YAMLBombInTags returns a rule file whose anchors expand to width^depth
// strings inside the tags of a declared column.
func YAMLBombInTags(depth, width int) string {
	var b strings.Builder
	b.WriteString("version: 1\ndataset: bomb\nowner: o@example.com\ncolumns:\n")
	fmt.Fprintf(&b, "  c0: {type: string, tags: &a0 [%s]}\n", strings.TrimSuffix(strings.Repeat("lol,", width), ","))
	for i := 1; i < depth; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), width), ",")
		fmt.Fprintf(&b, "  c%d: {type: string, tags: &a%d [%s]}\n", i, i, refs)
	}
	b.WriteString("rules:\n  - name: r\n    expr: a > 0\n")
	return b.String()
}

// YAMLSelfAlias is a rule file with an alias to an anchor that contains
// it.
const YAMLSelfAlias = "version: 1\ndataset: d\nowner: o@example.com\nrules: &r\n  - name: r\n    expr: a > 0\n  - *r\n"

// ruleFile is a rule file of dataset d, with an int64 column a, and one
// row rule.
func ruleFile(expr string) string {
	return "version: 1\ndataset: d\nowner: o@example.com\ncolumns:\n  a: {type: int64}\nrules:\n  - name: r\n    expr: " + strconv.Quote(expr) + "\n"
}

// CELNestedParens returns a rule file whose expression nests depth
// parentheses.
func CELNestedParens(depth int) string {
	return ruleFile(strings.Repeat("(", depth) + "a > 0" + strings.Repeat(")", depth))
}

// CELLong returns a rule file whose expression chains n comparisons.
func CELLong(n int) string {
	return ruleFile(strings.TrimSuffix(strings.Repeat("a > 0 && ", n), " && "))
}

// CELCostBomb returns a rule file whose expression nests depth
// comprehensions over a list of width elements: width^depth iterations
// per row.
func CELCostBomb(depth, width int) string {
	items := make([]string, width)
	for i := range items {
		items[i] = strconv.Itoa(i)
	}
	list := "[" + strings.Join(items, ", ") + "]"
	expr := "a > 0"
	for i := range depth {
		expr = fmt.Sprintf("%s.all(v%d, %s)", list, i, expr)
	}
	return ruleFile(expr)
}

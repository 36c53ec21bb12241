package csvconnector

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readEvery reads every record of r until the first error.
func readEvery(r records) (recs [][]string, lines []int, err error) {
	for {
		rec, err := r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return recs, lines, err
		}
		recs = append(recs, append([]string(nil), rec...))
		line, _ := r.FieldPos(0)
		lines = append(lines, line)
	}
}

// sameAsEncodingCSV holds recordReader to encoding/csv on data: the same
// records, the same first field lines, the same kind of error on the same
// line.
func sameAsEncodingCSV(t *testing.T, data []byte, delim byte) {
	t.Helper()
	want := csv.NewReader(bytes.NewReader(data))
	want.Comma = rune(delim)
	wantRecs, wantLines, wantErr := readEvery(want)
	got := newRecordReader(bufio.NewReaderSize(bytes.NewReader(data), 16), delim)
	gotRecs, gotLines, gotErr := readEvery(got)
	require.Equal(t, wantRecs, gotRecs, "records of %q", data)
	assert.Equal(t, wantLines, gotLines, "lines of %q", data)
	sameKeepingSome(t, data, delim, wantRecs, wantLines, gotErr)
	if wantErr == nil {
		require.NoError(t, gotErr, "%q", data)
		return
	}
	var wpe, gpe *csv.ParseError
	require.ErrorAs(t, wantErr, &wpe)
	require.ErrorAs(t, gotErr, &gpe, "%q: encoding/csv says %v", data, wantErr)
	assert.Equal(t, wpe.Err, gpe.Err, "%q", data)
	assert.Equal(t, wpe.Line, gpe.Line, "%q: encoding/csv says %v, got %v", data, wantErr, gotErr)
}

var recordCases = []string{
	"a,b\n1,2\n",
	"a,b\r\n1,2\r\n",
	"a,b\n\n\n1,2",
	"a,b\n1,2\r",
	"a\r\n\r\nb\r\n",
	"a,\"b\nc\",d\n",
	"a,\"b\r\nc\"\r\n",
	"a,\"b\"\"c\"\n",
	"a,\"\"\n",
	"a,b\"c\n",
	"a,\"b\"c\n",
	"a,\"b\n",
	"a,b\n1\n",
	"a,b\n1,2,3\n",
	"\r",
	"\ra,b\n",
	"a\rb,c\n",
	"\"a\"\r,b\n",
	"\"a\"\rx,b\n",
	",\n,\n",
	"a,b,\n",
	"x",
	"",
	"\"long quoted field spanning the small buffer\",and more\n",
	"unquoted field longer than the sixteen byte buffer,b\n",
}

func TestRecordReaderMatchesEncodingCSV(t *testing.T) {
	for _, c := range recordCases {
		sameAsEncodingCSV(t, []byte(c), ',')
	}
	sameAsEncodingCSV(t, []byte("a;b\n1;\"2;3\"\n"), ';')
	sameAsEncodingCSV(t, []byte("a\tb\n1\t2\n"), '\t')
}

func FuzzRecordReader(f *testing.F) {
	for _, c := range recordCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsEncodingCSV(t, data, ',')
	})
}

// sameKeepingSome reads data again keeping every other field after the
// first record, as a projected read does: the records are recs with the
// dropped fields "", on the same lines, ending in the same error.
func sameKeepingSome(t *testing.T, data []byte, delim byte, recs [][]string, lines []int, wantErr error) {
	t.Helper()
	r := newRecordReader(bufio.NewReaderSize(bytes.NewReader(data), 16), delim)
	first, err := r.Read()
	if err != nil {
		return
	}
	r.keep = make([]bool, len(first))
	for i := range r.keep {
		r.keep[i] = i%2 == 0
	}
	want := make([][]string, 0, len(recs))
	for _, rec := range recs[1:] {
		rec = append([]string(nil), rec...)
		for i := range rec {
			if i >= len(r.keep) || !r.keep[i] {
				rec[i] = ""
			}
		}
		want = append(want, rec)
	}
	got, gotLines, gotErr := readEvery(r)
	if len(want) == 0 {
		want = nil
	}
	require.Equal(t, want, got, "records of %q keeping some", data)
	assert.Equal(t, append([]int(nil), lines[1:]...), gotLines, "lines of %q keeping some", data)
	if wantErr == nil {
		require.NoError(t, gotErr, "%q", data)
		return
	}
	require.Equal(t, wantErr.Error(), gotErr.Error(), "%q keeping some", data)
}

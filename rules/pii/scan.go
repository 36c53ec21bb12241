package pii

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ScanOptions tune a scan.
type ScanOptions struct {
	// Detectors are run on every scanned value; nil means Builtin.
	Detectors []Detector
	// Every scans one row in Every (rows 0, Every, 2·Every, … of the
	// stream); 0 or 1 scans every row.
	Every int
}

// Match is how many scanned values of a column one detector recognised.
type Match struct {
	Kind  string
	Label string // the detector's Label
	Count int64
	// Fraction is Count / ColumnResult.Values.
	Fraction float64
}

// ColumnResult is the scan of one string column.
type ColumnResult struct {
	Column string
	// Rows is the number of rows scanned, Values the non-null values
	// among them.
	Rows, Values int64
	// Matches lists the detectors that recognised at least one value, in
	// detector order.
	Matches []Match
}

// Scanner accumulates a scan over a stream of batches. It is not safe for
// concurrent use.
type Scanner struct {
	dets  []Detector
	every int64
	row   int64 // rows of the stream seen so far
	cols  []*colState
	byKey map[string]*colState
}

type colState struct {
	name         string
	rows, values int64
	counts       []int64 // per detector
}

// NewScanner returns a scanner with the given options.
func NewScanner(opts ScanOptions) *Scanner {
	dets := opts.Detectors
	if dets == nil {
		dets = Builtin
	}
	every := int64(opts.Every)
	if every < 1 {
		every = 1
	}
	return &Scanner{dets: dets, every: every, byKey: map[string]*colState{}}
}

// IsStringType reports whether Scan reads columns of type dt: strings,
// large strings, string views and dictionaries of them.
func IsStringType(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	case arrow.DICTIONARY:
		return IsStringType(dt.(*arrow.DictionaryType).ValueType)
	}
	return false
}

// Add scans the string columns of a batch, borrowed for the call. Columns
// of other types are ignored.
func (s *Scanner) Add(batch arrow.RecordBatch) {
	n := batch.NumRows()
	// The first sampled row of this batch.
	first := (s.every - s.row%s.every) % s.every
	for i, f := range batch.Schema().Fields() {
		if !IsStringType(f.Type) {
			continue
		}
		st := s.byKey[f.Name]
		if st == nil {
			st = &colState{name: f.Name, counts: make([]int64, len(s.dets))}
			s.byKey[f.Name] = st
			s.cols = append(s.cols, st)
		}
		s.scanColumn(st, batch.Column(i), first)
	}
	s.row += n
}

func (s *Scanner) scanColumn(st *colState, col arrow.Array, first int64) {
	n := int64(col.Len())
	switch a := col.(type) {
	case *array.Dictionary:
		dict, ok := a.Dictionary().(array.StringLike)
		if !ok {
			return
		}
		// Each dictionary entry is tested once, on first use.
		nd := len(s.dets)
		tested := make([]bool, dict.Len())
		hits := make([]bool, dict.Len()*nd)
		for r := first; r < n; r += s.every {
			st.rows++
			if a.IsNull(int(r)) {
				continue
			}
			k := a.GetValueIndex(int(r))
			if dict.IsNull(k) {
				continue
			}
			st.values++
			m := hits[k*nd : (k+1)*nd]
			if !tested[k] {
				tested[k] = true
				v := dict.Value(k)
				for d, det := range s.dets {
					m[d] = det.Func(v)
				}
			}
			for d, hit := range m {
				if hit {
					st.counts[d]++
				}
			}
		}
	case array.StringLike:
		for r := first; r < n; r += s.every {
			st.rows++
			if a.IsNull(int(r)) {
				continue
			}
			st.values++
			v := a.Value(int(r))
			for d, det := range s.dets {
				if det.Func(v) {
					st.counts[d]++
				}
			}
		}
	}
}

// Results returns one result per string column, in the order the columns
// were first seen.
func (s *Scanner) Results() []ColumnResult {
	out := make([]ColumnResult, 0, len(s.cols))
	for _, st := range s.cols {
		cr := ColumnResult{Column: st.name, Rows: st.rows, Values: st.values}
		for d, c := range st.counts {
			if c == 0 {
				continue
			}
			cr.Matches = append(cr.Matches, Match{
				Kind: s.dets[d].Kind, Label: s.dets[d].Label, Count: c,
				Fraction: float64(c) / float64(st.values),
			})
		}
		out = append(out, cr)
	}
	return out
}

// Scan reads rdr to the end and returns the scan of its string columns.
// The reader is borrowed: the caller releases it.
func Scan(ctx context.Context, rdr array.RecordReader, opts ScanOptions) ([]ColumnResult, error) {
	s := NewScanner(opts)
	for rdr.Next() {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("pii: scan: %w", err)
		}
		s.Add(rdr.RecordBatch())
	}
	if err := rdr.Err(); err != nil {
		return nil, fmt.Errorf("pii: scan: %w", err)
	}
	return s.Results(), nil
}

package csvconnector

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/internal/mark"
	"github.com/sluicedata/sluice/internal/arrowtypes"
	"github.com/sluicedata/sluice/internal/fileio"
	"github.com/sluicedata/sluice/lineage"
)

// Source reads a CSV file with a header line.
type Source struct {
	path string
	ds   lineage.Dataset
	cfg  config
	in   *fileio.Input

	// mu guards inferred: the types Schema inferred, which Open reuses
	// (instead of reading the first rows again) while the header is the
	// same.
	mu       sync.Mutex
	inferred *inferred
}

// inferred is the outcome of an inference over every column.
type inferred struct {
	header   []string
	types    []arrow.DataType
	declared []bool
}

func (s *Source) cached() *inferred {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inferred
}

func (s *Source) keep(inf *inferred) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inferred = inf
}

var (
	_ connectors.Source           = (*Source)(nil)
	_ connectors.ContentVersioner = (*Source)(nil)
)

// NewSource returns a Source reading the CSV file at path. Nothing is read
// until Schema or Open.
func NewSource(path string, opts ...Option) *Source {
	return &Source{path: path, ds: lineage.FileDatasetOf(path), cfg: newConfig(opts), in: fileio.New(path)}
}

// Dataset returns namespace "file" and the absolute path.
func (s *Source) Dataset() lineage.Dataset { return s.ds }

// Schema reads the header and infers the types of the columns the schema
// hint does not give from the first rows (see WithInferRows).
func (s *Source) Schema(ctx context.Context) (*arrow.Schema, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, cr, header, err := s.openCSV(ctx, true)
	if err != nil {
		return nil, err
	}
	defer f.Close() // read only
	types, declared, err := s.infer(cr, header, nil)
	if err != nil {
		return nil, err
	}
	s.keep(&inferred{header: header, types: types, declared: declared})
	fields := make([]arrow.Field, len(header))
	for i, h := range header {
		fields[i] = field(h, types[i])
	}
	return arrow.NewSchema(fields, nil), nil
}

func (s *Source) inputError(line, col int, field string, err error) error {
	return fmt.Errorf("csvconnector: %w", &connectors.InputError{Path: s.path, Line: line, Column: col, Field: field, Err: err})
}

// valueError is the one place an error about a cell value is made: the
// field at line and col (1-based) of column holds raw, which cause (from
// an appender) says does not fit the column's type dt. The value passes
// through the source's RedactFunc and is quoted.
func (s *Source) valueError(line, col int, column, raw string, cause error, dt arrow.DataType, declared bool) error {
	if errors.Is(cause, errInvalidUTF8) {
		return s.inputError(line, col, column, cause)
	}
	hint := "inferred from the first rows; declare the column's type in the rule file"
	if declared {
		hint = "the column is declared " + arrowtypes.Describe(dt)
	}
	shown := strconv.Quote(truncate(s.cfg.redact.Show(column, raw)))
	return s.inputError(line, col, column, fmt.Errorf("value %s is not a valid %s (%s)", shown, arrowtypes.Describe(dt), hint))
}

// convertErr turns an encoding/csv error into an *InputError.
func (s *Source) convertErr(err error, rec []string, want int) error {
	var ie *connectors.InputError
	if errors.As(err, &ie) {
		return err // from the limiter, already located
	}
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("csvconnector: %s: %w", s.path, err)
	}
	e := pe.Err
	if errors.Is(e, csv.ErrFieldCount) {
		e = fmt.Errorf("%w: %d fields, the header has %d", csv.ErrFieldCount, len(rec), want)
	} else {
		e = fmt.Errorf("%w (byte %d of the line)", e, pe.Column)
	}
	return s.inputError(pe.Line, 0, "", e)
}

// openCSV opens the input (a look at its start when sniff) and reads the
// header.
func (s *Source) openCSV(ctx context.Context, sniff bool) (io.Closer, records, []string, error) {
	var f io.ReadCloser
	var err error
	if sniff {
		f, err = s.in.Sniff(ctx)
	} else {
		f, err = s.in.Open(ctx)
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("csvconnector: %w", err)
	}
	lim := newLimiter(f, s.cfg.limits, s.cfg.delim, func(line, col int, err error) error {
		return s.inputError(line, col, "", err)
	})
	var cr records
	br := bufio.NewReaderSize(lim, 256<<10)
	if d := s.cfg.delim; d > 0 && d < utf8.RuneSelf && d != '"' && d != '\r' && d != '\n' {
		cr = newRecordReader(br, byte(d))
	} else {
		c := csv.NewReader(br)
		c.Comma = d
		c.ReuseRecord = true
		cr = c
	}
	rec, err := cr.Read()
	if err != nil {
		f.Close() // read only
		if errors.Is(err, io.EOF) {
			// No header (0 bytes, or blank lines only): no rows, and the
			// columns are the declared ones, so that an empty extract is
			// a finding ("no rows") rather than an unreadable file.
			return io.NopCloser(nil), noRecords{}, s.declaredNames(), nil
		}
		return nil, nil, nil, s.convertErr(err, rec, 0)
	}
	header := slices.Clone(rec)
	if rr, ok := cr.(*recordReader); ok {
		// The data rows are parsed, or copied into builders, before the
		// next Read: their fields need not be copied out of the buffer.
		rr.alias = true
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	for i, h := range header {
		if !utf8.ValidString(h) {
			f.Close() // read only
			return nil, nil, nil, s.inputError(1, i+1, "", fmt.Errorf("header: %w", errInvalidUTF8))
		}
	}
	if err := s.duplicateHeader(header); err != nil {
		f.Close() // read only
		return nil, nil, nil, err
	}
	return f, cr, header, nil
}

// duplicateHeader reports the first column name the header repeats, with
// the 1-based positions of its first two occurrences.
func (s *Source) duplicateHeader(header []string) error {
	if len(header) < 2 {
		return nil
	}
	first := make(map[string]int, len(header))
	for i, h := range header {
		if j, dup := first[h]; dup {
			return s.inputError(1, 0, "", &headerError{
				msg: fmt.Sprintf("duplicate column %s in the header (columns %d and %d)", strconv.Quote(h), j+1, i+1),
				err: connectors.ErrCorrupt,
			})
		}
		first[h] = i
	}
	return nil
}

// headerError is a problem of the header whose message stands alone and
// which wraps a sentinel.
type headerError struct {
	msg string
	err error
}

func (e *headerError) Error() string { return e.msg }
func (e *headerError) Unwrap() error { return e.err }

func (s *Source) isNull(v string) bool {
	if v == "" {
		return true
	}
	for _, t := range s.cfg.nulls {
		if v == t {
			return true
		}
	}
	return false
}

// infer returns the types of the fields of the file whose header was just
// read from cr, and which of them the hint declared. want, when not nil,
// says which fields are read: the others get no type, and their values are
// neither looked at nor, when cr is a recordReader, copied. No record is
// read when the hint declares every field wanted.
func (s *Source) infer(cr records, header []string, want []bool) ([]arrow.DataType, []bool, error) {
	types := make([]arrow.DataType, len(header))
	declared := make([]bool, len(header))
	pending := make([]bool, len(header)) // to infer
	n := 0
	for i, h := range header {
		if want != nil && !want[i] {
			continue
		}
		if s.cfg.schema != nil {
			if j := s.cfg.schema.FieldIndices(h); len(j) > 0 {
				dt := s.cfg.schema.Field(j[0]).Type
				if !supported(dt) {
					return nil, nil, fmt.Errorf("csvconnector: %s: column %q: type %s: %w", s.path, h, dt, connectors.ErrUnsupported)
				}
				types[i], declared[i] = dt, true
				continue
			}
		}
		pending[i] = true
		n++
	}
	if n == 0 {
		return types, declared, nil
	}
	if rr, ok := cr.(*recordReader); ok && n < len(header) {
		rr.keep = pending
	}
	st := make([]stats, len(header))
	for range s.cfg.inferRows {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, s.convertErr(err, rec, len(header))
		}
		for i, v := range rec {
			if pending[i] && !s.isNull(v) {
				st[i].observe(v)
			}
		}
	}
	for i := range types {
		if pending[i] {
			types[i] = st[i].typ()
		}
	}
	return types, declared, nil
}

// field is the field of a column of the file.
func field(name string, dt arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: dt, Nullable: true}
}

// Open infers the types of the columns read (see ReadOptions.Columns),
// then streams the file from its first data row in batches of opts.Rows()
// rows.
func (s *Source) Open(ctx context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("csvconnector: %s: %w", s.path, err)
	}
	// A projection of declared columns needs the header alone: the file is
	// opened once.
	hintedOnly := opts.Columns != nil && s.cfg.schema != nil
	for _, c := range opts.Columns {
		hintedOnly = hintedOnly && len(s.cfg.schema.FieldIndices(c)) > 0
	}
	// So does a read after Schema, whose inference it reuses.
	cached := s.cached()
	single := hintedOnly || cached != nil
	f, cr, header, err := s.openCSV(ctx, !single)
	if err != nil {
		return nil, err
	}
	if cached != nil && !hintedOnly && !slices.Equal(cached.header, header) {
		// The file changed since Schema: infer again.
		f.Close() // read only
		s.keep(nil)
		return s.Open(ctx, opts)
	}
	var idx []int
	if opts.Columns == nil {
		idx = make([]int, len(header))
		for i := range idx {
			idx[i] = i
		}
	} else {
		idx = make([]int, len(opts.Columns))
		for i, c := range opts.Columns {
			j := slices.Index(header, c)
			if j < 0 {
				f.Close() // read only
				return nil, fmt.Errorf("csvconnector: %s: column %q: %w", s.path, c, connectors.ErrNoColumn)
			}
			idx[i] = j
		}
	}
	var want []bool // nil: every field
	if opts.Columns != nil {
		want = make([]bool, len(header))
		for _, j := range idx {
			want[j] = true
		}
	}
	var types []arrow.DataType
	var declared []bool
	if cached != nil && !hintedOnly {
		types, declared = cached.types, cached.declared
	} else {
		types, declared, err = s.infer(cr, header, want)
	}
	if !single || err != nil {
		f.Close() // read only
	}
	if err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(idx), len(idx)+1)
	names := make([]string, len(idx))
	for i, j := range idx {
		fields[i] = field(header[j], types[j])
		names[i] = fields[i].Name
	}
	marks := opts.Marks(names)
	if marks {
		if slices.Contains(header, connectors.InvalidColumn) {
			if single {
				f.Close() // read only
			}
			return nil, mark.ReservedError("csvconnector", s.path)
		}
		fields = append(fields, mark.Field)
	}
	out := arrow.NewSchema(fields, nil)

	if !single {
		if f, cr, _, err = s.openCSV(ctx, false); err != nil {
			return nil, err
		}
	}
	if rr, ok := cr.(*recordReader); ok {
		rr.keep = want
	}
	r := &reader{
		ctx: ctx, src: s, f: f, cr: cr, schema: out, idx: idx, declared: declared, nfields: len(header),
		size: opts.Rows(), reserve: reserveRows(opts, len(idx)), b: array.NewRecordBuilder(opts.Alloc(), out),
	}
	r.refs.Store(1)
	r.apps = make([]appender, len(idx))
	r.pol = make([]connectors.InvalidPolicy, len(idx))
	for i := range idx {
		r.apps[i] = newAppender(r.b.Field(i), fields[i].Type)
		r.pol[i] = opts.Policy(names[i])
	}
	if marks {
		r.mk = mark.New(r.b.Field(len(idx)).(*array.StringBuilder), fields[:len(idx)])
	}
	return r, nil
}

// reserveRows is the number of rows builders reserve before a batch: the
// batch size, at most 4096 and at most about a million cells in all.
func reserveRows(opts connectors.ReadOptions, cols int) int {
	return max(1, min(opts.ReserveRows(), (1<<20)/max(cols, 1)))
}

// reader streams one CSV file.
type reader struct {
	refs     atomic.Int64
	ctx      context.Context
	src      *Source
	f        io.Closer
	cr       records
	schema   *arrow.Schema
	idx      []int  // source field of each output column
	declared []bool // per source field: typed by the hint
	nfields  int
	size     int
	reserve  int
	b        *array.RecordBuilder
	apps     []appender
	pol      []connectors.InvalidPolicy // per output column
	mk       *mark.Marker               // nil without marking
	cur      arrow.RecordBatch
	err      error
	done     bool
}

func (r *reader) Retain() { r.refs.Add(1) }

func (r *reader) Release() {
	if r.refs.Add(-1) == 0 {
		r.close()
		if r.cur != nil {
			r.cur.Release()
			r.cur = nil
		}
		if r.b != nil {
			r.b.Release()
			r.b = nil
		}
	}
}

func (r *reader) close() {
	r.done = true
	if r.f != nil {
		r.f.Close() // read only
		r.f = nil
	}
}

func (r *reader) Schema() *arrow.Schema          { return r.schema }
func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (r *reader) Record() arrow.RecordBatch { return r.cur }
func (r *reader) Err() error                { return r.err }

func (r *reader) fail(err error) bool {
	r.err = err
	r.close()
	// Drop the partial batch; its columns may differ in length.
	for _, fb := range r.b.Fields() {
		fb.NewArray().Release()
	}
	return false
}

func (r *reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		return r.fail(err)
	}
	r.b.Reserve(r.reserve)
	rows := 0
	for rows < r.size {
		rec, err := r.cr.Read()
		if errors.Is(err, io.EOF) {
			r.close()
			break
		}
		if err != nil {
			return r.fail(r.src.convertErr(err, rec, r.nfields))
		}
		for i, j := range r.idx {
			v := rec[j]
			fb := r.b.Field(i)
			if r.src.isNull(v) {
				fb.AppendNull()
				continue
			}
			if err := r.apps[i](v); err != nil {
				switch r.pol[i] {
				case connectors.InvalidNull:
					fb.AppendNull()
					continue
				case connectors.InvalidMark:
					fb.AppendNull()
					r.mk.Mark(i, v)
					continue
				}
				line, _ := r.cr.FieldPos(j)
				f := r.schema.Field(i)
				return r.fail(r.src.valueError(line, j+1, f.Name, v, err, f.Type, r.declared[j]))
			}
		}
		if r.mk != nil {
			r.mk.EndRow()
		}
		rows++
	}
	if rows == 0 {
		return false
	}
	r.cur = r.b.NewRecordBatch()
	return true
}

// declaredNames returns the names of the schema hint's fields, the
// columns of a file without a header.
func (s *Source) declaredNames() []string {
	if s.cfg.schema == nil {
		return []string{}
	}
	names := make([]string, 0, s.cfg.schema.NumFields())
	for _, f := range s.cfg.schema.Fields() {
		if supported(f.Type) {
			names = append(names, f.Name)
		}
	}
	return names
}

// noRecords is the records of a file without a header.
type noRecords struct{}

func (noRecords) Read() ([]string, error) { return nil, io.EOF }
func (noRecords) FieldPos(int) (int, int) { return 1, 1 }

// ContentVersion returns the SHA-256 of the file as the last complete read
// saw it (connectors.ContentVersioner).
func (s *Source) ContentVersion() (string, bool) { return s.in.Version() }

package jsonconnector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtypes"
	"github.com/sluicedata/sluice/internal/fileio"
	"github.com/sluicedata/sluice/lineage"
)

// Source reads NDJSON or a JSON array of objects.
type Source struct {
	path string
	ds   lineage.Dataset
	cfg  config
	in   *fileio.Input
}

var _ connectors.Source = (*Source)(nil)

// NewSource returns a Source reading the JSON file at path. Nothing is read
// until Schema or Open.
func NewSource(path string, opts ...Option) *Source {
	return &Source{path: path, ds: lineage.FileDatasetOf(path), cfg: newConfig(opts), in: fileio.New(path)}
}

// Dataset returns namespace "file" and the absolute path.
func (s *Source) Dataset() lineage.Dataset { return s.ds }

// Schema infers the schema from the first records and the hint.
func (s *Source) Schema(ctx context.Context) (*arrow.Schema, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	schema, _, err := s.infer(ctx)
	return schema, err
}

type kind uint8

const (
	kindInt kind = 1 << iota
	kindFloat
	kindBool
	kindString
	kindNested
)

func kindOf(raw []byte) (kind, bool) {
	switch raw[0] {
	case 'n':
		return 0, false
	case 't', 'f':
		return kindBool, true
	case '"':
		return kindString, true
	case '{', '[':
		return kindNested, true
	}
	for _, c := range raw {
		if c == '.' || c == 'e' || c == 'E' {
			return kindFloat, true
		}
	}
	return kindInt, true
}

func kindName(k kind) string {
	switch k {
	case kindInt, kindFloat, kindInt | kindFloat:
		return "number"
	case kindBool:
		return "boolean"
	case kindString:
		return "string"
	}
	return "object or array"
}

// infer returns the schema and which fields the hint declared.
func (s *Source) infer(ctx context.Context) (*arrow.Schema, []bool, error) {
	sc, err := openScanner(ctx, s, true)
	if err != nil {
		return nil, nil, err
	}
	defer sc.close()
	var names []string
	kinds := map[string]kind{}
	hinted := func(key string) bool {
		return s.cfg.schema != nil && len(s.cfg.schema.FieldIndices(key)) > 0
	}
	for range s.cfg.inferRows {
		ok, err := sc.next(func(key string, raw json.RawMessage, off int64) error {
			k0, seen := kinds[key]
			if !seen {
				if len(names) >= s.cfg.limits.Resolved().MaxColumns {
					return sc.errorAt(off, "", fmt.Errorf("more than %d distinct keys: %w", s.cfg.limits.Resolved().MaxColumns, connectors.ErrLimit))
				}
				names = append(names, key)
				kinds[key] = 0
			}
			if hinted(key) {
				return nil
			}
			k, ok := kindOf(raw)
			if !ok {
				return nil
			}
			both := k0 | k
			if k0 != 0 && both != k0 && both != kindInt|kindFloat {
				return sc.errorAt(off, key, fmt.Errorf("mixed value types %s and %s; declare the column's type in the rule file", kindName(k0), kindName(k)))
			}
			kinds[key] = both
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
	}
	var fields []arrow.Field
	var declared []bool
	for _, n := range names {
		if hinted(n) {
			continue
		}
		var dt arrow.DataType
		switch kinds[n] {
		case kindInt:
			dt = arrow.PrimitiveTypes.Int64
		case kindFloat, kindInt | kindFloat:
			dt = arrow.PrimitiveTypes.Float64
		case kindBool:
			dt = arrow.FixedWidthTypes.Boolean
		case kindNested:
			return nil, nil, fmt.Errorf("jsonconnector: %s: column %q holds objects or arrays: %w without a declared type (declare it in the rule file)", s.path, n, connectors.ErrUnsupported)
		default:
			dt = arrow.BinaryTypes.String
		}
		fields = append(fields, arrow.Field{Name: n, Type: dt, Nullable: true})
		declared = append(declared, false)
	}
	// Hinted columns: in order of appearance, then those never seen.
	if s.cfg.schema != nil {
		pos := map[string]int{}
		for i, n := range names {
			pos[n] = i
		}
		var hintFields []arrow.Field
		for _, f := range s.cfg.schema.Fields() {
			hintFields = append(hintFields, arrow.Field{Name: f.Name, Type: f.Type, Nullable: true, Metadata: f.Metadata})
		}
		merged := make([]arrow.Field, 0, len(fields)+len(hintFields))
		mergedDecl := make([]bool, 0, cap(merged))
		// Rebuild in order of appearance.
		inferred := map[string]arrow.Field{}
		for _, f := range fields {
			inferred[f.Name] = f
		}
		for _, n := range names {
			if f, ok := inferred[n]; ok {
				merged = append(merged, f)
				mergedDecl = append(mergedDecl, false)
				continue
			}
			for _, hf := range hintFields {
				if hf.Name == n {
					merged = append(merged, hf)
					mergedDecl = append(mergedDecl, true)
					break
				}
			}
		}
		for _, hf := range hintFields {
			if _, ok := pos[hf.Name]; !ok {
				merged = append(merged, hf)
				mergedDecl = append(mergedDecl, true)
			}
		}
		fields, declared = merged, mergedDecl
	}
	return arrow.NewSchema(fields, nil), declared, nil
}

// Open infers the schema, then streams the file from its first record in
// batches of opts.Rows() rows.
func (s *Source) Open(ctx context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("jsonconnector: %s: %w", s.path, err)
	}
	schema, declared, err := s.infer(ctx)
	if err != nil {
		return nil, err
	}
	var idx []int
	if opts.Columns == nil {
		for i := range schema.Fields() {
			idx = append(idx, i)
		}
	} else {
		for _, c := range opts.Columns {
			j := schema.FieldIndices(c)
			if len(j) == 0 {
				return nil, fmt.Errorf("jsonconnector: %s: column %q: %w", s.path, c, connectors.ErrNoColumn)
			}
			idx = append(idx, j[0])
		}
	}
	fields := make([]arrow.Field, len(idx), len(idx)+1)
	names := make([]string, len(idx))
	cols := make(map[string]int, len(idx))
	for i, j := range idx {
		fields[i] = schema.Field(j)
		names[i] = fields[i].Name
		if _, dup := cols[fields[i].Name]; !dup {
			cols[fields[i].Name] = i
		}
	}
	marks := opts.Marks(names)
	if marks {
		if len(schema.FieldIndices(connectors.InvalidColumn)) > 0 {
			return nil, reservedError("jsonconnector", s.path)
		}
		fields = append(fields, invalidField)
	}
	out := arrow.NewSchema(fields, nil)
	sc, err := openScanner(ctx, s, false)
	if err != nil {
		return nil, err
	}
	r := &reader{
		ctx: ctx, src: s, sc: sc, schema: out, cols: cols, size: opts.Rows(),
		reserve: max(1, min(opts.ReserveRows(), (1<<20)/max(len(idx), 1))), declared: make([]bool, len(idx)),
		b: array.NewRecordBuilder(opts.Alloc(), out), seen: make([]bool, len(idx)),
	}
	r.refs.Store(1)
	r.apps = make([]appender, len(idx))
	r.pol = make([]connectors.InvalidPolicy, len(idx))
	mem := opts.Alloc()
	for i, j := range idx {
		r.pol[i] = opts.Policy(names[i])
		var scratch func() array.Builder
		if r.pol[i] != connectors.InvalidError {
			// A value that fails must leave the builder as it was.
			scratch = func() array.Builder {
				b := array.NewBuilder(mem, fields[i].Type)
				r.scratch = append(r.scratch, b)
				return b
			}
		}
		r.apps[i] = newAppender(r.b.Field(i), fields[i].Type, scratch)
		r.declared[i] = declared[j]
	}
	if marks {
		r.mk = newMarker(r.b.Field(len(idx)).(*array.StringBuilder), fields[:len(idx)])
	}
	return r, nil
}

type reader struct {
	refs     atomic.Int64
	ctx      context.Context
	src      *Source
	sc       *scanner
	reserve  int
	declared []bool // per output column: typed by the hint
	schema   *arrow.Schema
	cols     map[string]int
	size     int
	b        *array.RecordBuilder
	apps     []appender
	pol      []connectors.InvalidPolicy // per output column
	mk       *marker                    // nil without marking
	scratch  []array.Builder            // of appenders that try a value first
	seen     []bool
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
		for _, b := range r.scratch {
			b.Release()
		}
		r.scratch = nil
	}
}

func (r *reader) close() {
	r.done = true
	r.sc.close()
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
	for _, fb := range r.b.Fields() {
		fb.NewArray().Release()
	}
	return false
}

var errDuplicateKey = errors.New("duplicate key")

// valueError is the one place an error about a cell value is made: the
// value raw of column, at byte offset off of the scanner's input, does not
// fit the column's type dt, as cause (from an appender) says. The value
// (a string's text, or the JSON text of another value) passes through the
// source's RedactFunc and is quoted.
func (s *Source) valueError(sc *scanner, off int64, column string, raw []byte, cause error, dt arrow.DataType, declared bool) error {
	if errors.Is(cause, errInvalidUTF8) {
		return sc.errorAt(off, column, cause)
	}
	hint := "inferred from the first records; declare the column's type in the rule file"
	if declared {
		hint = "the column is declared " + arrowtypes.Describe(dt)
	}
	text := string(raw)
	k, _ := kindOf(raw)
	if k == kindString {
		if v, err := decodeString(raw); err == nil {
			text = v
		}
	}
	shown := strconv.Quote(truncate(s.cfg.redact.Show(column, text)))
	return sc.errorAt(off, column, fmt.Errorf("value %s (a JSON %s) is not a valid %s (%s)", shown, kindName(k), arrowtypes.Describe(dt), hint))
}

func (r *reader) onKey(key string, raw json.RawMessage, off int64) error {
	i, ok := r.cols[key]
	if !ok {
		return nil
	}
	if r.seen[i] {
		return r.sc.errorAt(off, key, errDuplicateKey)
	}
	r.seen[i] = true
	if string(raw) == "null" {
		r.b.Field(i).AppendNull()
		return nil
	}
	if err := r.apps[i](raw); err != nil {
		switch r.pol[i] {
		case connectors.InvalidNull:
			r.b.Field(i).AppendNull()
			return nil
		case connectors.InvalidMark:
			r.b.Field(i).AppendNull()
			r.mk.mark(i, rawText(raw))
			return nil
		}
		f := r.schema.Field(i)
		return r.src.valueError(r.sc, off, key, raw, err, f.Type, r.declared[i])
	}
	return nil
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
		clear(r.seen)
		ok, err := r.sc.next(r.onKey)
		if err != nil {
			return r.fail(err)
		}
		if !ok {
			r.close()
			break
		}
		for i, s := range r.seen {
			if !s {
				r.b.Field(i).AppendNull()
			}
		}
		if r.mk != nil {
			r.mk.endRow()
		}
		rows++
	}
	if rows == 0 {
		return false
	}
	r.cur = r.b.NewRecordBatch()
	return true
}

package jsonconnector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/internal/mark"
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

var (
	_ connectors.Source           = (*Source)(nil)
	_ connectors.ContentVersioner = (*Source)(nil)
)

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
	inf, err := s.infer(ctx, nil)
	return inf.schema, err
}

// kind is a set of the JSON kinds of the values of one key.
type kind uint8

const (
	kindInt kind = 1 << iota
	kindFloat
	kindBool
	kindString
	kindObject
	kindArray

	kindNumber = kindInt | kindFloat
)

func kindOf(raw []byte) (kind, bool) {
	switch raw[0] {
	case 'n':
		return 0, false
	case 't', 'f':
		return kindBool, true
	case '"':
		return kindString, true
	case '{':
		return kindObject, true
	case '[':
		return kindArray, true
	}
	for _, c := range raw {
		if c == '.' || c == 'e' || c == 'E' {
			return kindFloat, true
		}
	}
	return kindInt, true
}

// kindNames lists the kinds of k, sorted by name; int and float are one
// kind, number.
func kindNames(k kind) []string {
	var names []string
	for _, c := range []struct {
		k    kind
		name string
	}{{kindArray, "array"}, {kindBool, "boolean"}, {kindNumber, "number"}, {kindObject, "object"}, {kindString, "string"}} {
		if k&c.k != 0 {
			names = append(names, c.name)
		}
	}
	return names
}

func kindName(k kind) string {
	return strings.Join(kindNames(k), " or ")
}

// inferred is the outcome of inference.
type inferred struct {
	schema *arrow.Schema
	// declared[i]: field i is typed by the hint. text[i]: field i is read
	// as text, because the records mix JSON kinds without a common type.
	declared, text []bool
	// reserved: a record has the key connectors.InvalidColumn, or the hint
	// declares it.
	reserved bool
}

// infer returns the schema of the columns in want (every column when want
// is nil) from the hint and the first records. A column the hint declares
// is not inferred, and a key that is not wanted is not looked at: when the
// hint declares every wanted column, nothing is read.
func (s *Source) infer(ctx context.Context, want []string) (inferred, error) {
	hinted := func(key string) bool {
		return s.cfg.schema != nil && len(s.cfg.schema.FieldIndices(key)) > 0
	}
	var wanted map[string]bool
	scan := want == nil
	if want != nil {
		wanted = make(map[string]bool, len(want))
		for _, w := range want {
			wanted[w] = true
			scan = scan || !hinted(w)
		}
	}
	var inf inferred
	var names []string
	kinds := map[string]kind{}
	if scan {
		sc, err := openScanner(ctx, s, true)
		if err != nil {
			return inferred{}, err
		}
		defer sc.close()
		maxColumns := s.cfg.limits.Resolved().MaxColumns
		sc.skip = func(key string) bool {
			if key == connectors.InvalidColumn {
				inf.reserved = true
			}
			return hinted(key) || wanted != nil && !wanted[key]
		}
		for range s.cfg.inferRows {
			ok, err := sc.next(func(key string, raw json.RawMessage, off int64) error {
				if raw == nil && wanted != nil && !wanted[key] {
					return nil // not wanted
				}
				k0, seen := kinds[key]
				if !seen {
					if len(names) >= maxColumns {
						return sc.errorAt(off, "", fmt.Errorf("more than %d distinct keys: %w", maxColumns, connectors.ErrLimit))
					}
					names = append(names, key)
					kinds[key] = 0
				}
				if raw == nil {
					return nil // hinted
				}
				if k, ok := kindOf(raw); ok {
					kinds[key] = k0 | k
				}
				return nil
			})
			if err != nil {
				return inferred{}, err
			}
			if !ok {
				break
			}
		}
	}
	var fields []arrow.Field
	for _, n := range names {
		if hinted(n) {
			continue
		}
		f := arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
		text := false
		switch k := kinds[n]; k {
		case 0, kindString:
		case kindInt:
			f.Type = arrow.PrimitiveTypes.Int64
		case kindFloat, kindNumber:
			f.Type = arrow.PrimitiveTypes.Float64
		case kindBool:
			f.Type = arrow.FixedWidthTypes.Boolean
		case kindObject, kindArray:
			return inferred{}, fmt.Errorf("jsonconnector: %s: column %q holds %ss: %w without a declared type (declare it in the rule file)", s.path, n, kindName(k), connectors.ErrUnsupported)
		default:
			text = true
			note := fmt.Sprintf("mixed JSON types (%s) in the first %d records: read as string", strings.Join(kindNames(k), ", "), s.cfg.inferRows)
			f.Metadata = arrow.NewMetadata([]string{connectors.NoteKey}, []string{note})
		}
		fields = append(fields, f)
		inf.declared = append(inf.declared, false)
		inf.text = append(inf.text, text)
	}
	// Hinted columns: in order of appearance, then those never seen.
	if s.cfg.schema != nil {
		pos := map[string]int{}
		for i, n := range names {
			pos[n] = i
		}
		var hintFields []arrow.Field
		for _, f := range s.cfg.schema.Fields() {
			if wanted != nil && !wanted[f.Name] {
				continue
			}
			if f.Name == connectors.InvalidColumn {
				inf.reserved = true
			}
			hintFields = append(hintFields, arrow.Field{Name: f.Name, Type: f.Type, Nullable: true, Metadata: f.Metadata})
		}
		merged := make([]arrow.Field, 0, len(fields)+len(hintFields))
		mergedDecl := make([]bool, 0, cap(merged))
		mergedText := make([]bool, 0, cap(merged))
		// Rebuild in order of appearance.
		inferredAt := map[string]int{}
		for i, f := range fields {
			inferredAt[f.Name] = i
		}
		for _, n := range names {
			if i, ok := inferredAt[n]; ok {
				merged = append(merged, fields[i])
				mergedDecl = append(mergedDecl, false)
				mergedText = append(mergedText, inf.text[i])
				continue
			}
			for _, hf := range hintFields {
				if hf.Name == n {
					merged = append(merged, hf)
					mergedDecl = append(mergedDecl, true)
					mergedText = append(mergedText, false)
					break
				}
			}
		}
		for _, hf := range hintFields {
			if _, ok := pos[hf.Name]; !ok {
				if scan {
					// No record read has the key: the column is there
					// only because it is declared.
					hf.Metadata = arrow.NewMetadata(append(hf.Metadata.Keys(), connectors.DeclaredOnlyKey),
						append(hf.Metadata.Values(), "true"))
				}
				merged = append(merged, hf)
				mergedDecl = append(mergedDecl, true)
				mergedText = append(mergedText, false)
			}
		}
		fields, inf.declared, inf.text = merged, mergedDecl, mergedText
	}
	inf.schema = arrow.NewSchema(fields, nil)
	return inf, nil
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
	inf, err := s.infer(ctx, opts.Columns)
	if err != nil {
		return nil, err
	}
	schema := inf.schema
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
		if inf.reserved {
			return nil, mark.ReservedError("jsonconnector", s.path)
		}
		fields = append(fields, mark.Field)
	}
	out := arrow.NewSchema(fields, nil)
	sc, err := openScanner(ctx, s, false)
	if err != nil {
		return nil, err
	}
	sc.skip = func(key string) bool {
		_, ok := cols[key]
		return !ok
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
		if inf.text[j] {
			r.apps[i] = newTextAppender(r.b.Field(i).(*array.StringBuilder))
		} else {
			r.apps[i] = newAppender(r.b.Field(i), fields[i].Type, scratch)
		}
		r.declared[i] = inf.declared[j]
	}
	if marks {
		r.mk = mark.New(r.b.Field(len(idx)).(*array.StringBuilder), fields[:len(idx)])
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
	mk       *mark.Marker               // nil without marking
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
	if raw == nil {
		return nil // not a column read
	}
	i := r.cols[key]
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
			r.mk.Mark(i, rawText(raw))
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

// ContentVersion returns the SHA-256 of the file as the last complete read
// saw it (connectors.ContentVersioner).
func (s *Source) ContentVersion() (string, bool) { return s.in.Version() }

package gx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/importers/gx"
)

// columnType picks the Arrow type of a column from the pandas schema of the
// test file, or from its values.
func columnType(values []any, pandas string) arrow.DataType {
	switch pandas {
	case "int", "int64", "Int64Dtype", "int32":
		if allOf(values, func(v any) bool { _, ok := v.(json.Number); return ok }) {
			return arrow.PrimitiveTypes.Int64
		}
	case "float", "float64", "float32":
		if allOf(values, func(v any) bool { _, ok := v.(json.Number); return ok }) {
			return arrow.PrimitiveTypes.Float64
		}
	case "bool":
		if allOf(values, func(v any) bool { _, ok := v.(bool); return ok }) {
			return arrow.FixedWidthTypes.Boolean
		}
	case "datetime64[ns]", "datetime64", "datetime", "timestamp", "date":
		if allOf(values, func(v any) bool {
			s, ok := v.(string)
			if !ok {
				return false
			}
			_, ok = gx.ParseTime(s)
			return ok
		}) {
			return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		}
	case "str", "object":
		if allOf(values, func(v any) bool { _, ok := v.(string); return ok }) {
			return arrow.BinaryTypes.String
		}
	}
	switch {
	case allOf(values, func(v any) bool { n, ok := v.(json.Number); return ok && !strings.ContainsAny(n.String(), ".eE") }):
		return arrow.PrimitiveTypes.Int64
	case allOf(values, func(v any) bool { _, ok := v.(json.Number); return ok }):
		return arrow.PrimitiveTypes.Float64
	case allOf(values, func(v any) bool { _, ok := v.(bool); return ok }):
		return arrow.FixedWidthTypes.Boolean
	}
	return arrow.BinaryTypes.String
}

// allOf reports whether every non-null value satisfies f (and one exists).
func allOf(values []any, f func(any) bool) bool {
	seen := false
	for _, v := range values {
		if v == nil {
			continue
		}
		if !f(v) {
			return false
		}
		seen = true
	}
	return seen
}

// columnData is a test file's column-oriented data with the columns in
// the file's order: the order a user's JSON file would give the reader, and
// the one the schema functions (column_count(), columns()) see.
type columnData struct {
	names  []string
	values map[string][]any
}

// UnmarshalJSON reads {"col": [values…], …}, keeping the key order; numbers
// stay json.Number.
func (d *columnData) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("data must be an object of columns")
	}
	d.values = map[string][]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var vs []any
		if err := dec.Decode(&vs); err != nil {
			return fmt.Errorf("column %s: %w", name, err)
		}
		if _, dup := d.values[name]; !dup {
			d.names = append(d.names, name)
		}
		d.values[name] = vs
	}
	_, err := dec.Token()
	return err
}

// buildRecord turns a test file's column-oriented data into one batch, the
// columns in the file's order; the caller releases it.
func buildRecord(mem memory.Allocator, data columnData, pandas map[string]string) (arrow.RecordBatch, error) {
	names := data.names
	rows := -1
	fields := make([]arrow.Field, len(names))
	arrs := make([]arrow.Array, len(names))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, name := range names {
		values := data.values[name]
		if rows >= 0 && len(values) != rows {
			return nil, fmt.Errorf("column %s has %d values, want %d", name, len(values), rows)
		}
		rows = len(values)
		typ := columnType(values, pandas[name])
		fields[i] = arrow.Field{Name: name, Type: typ, Nullable: true}
		b := array.NewBuilder(mem, typ)
		for _, v := range values {
			if v == nil {
				b.AppendNull()
				continue
			}
			switch b := b.(type) {
			case *array.Int64Builder:
				n, err := v.(json.Number).Int64()
				if err != nil {
					f, _ := v.(json.Number).Float64()
					n = int64(f)
				}
				b.Append(n)
			case *array.Float64Builder:
				f, _ := v.(json.Number).Float64()
				b.Append(f)
			case *array.BooleanBuilder:
				b.Append(v.(bool))
			case *array.TimestampBuilder:
				tm, _ := gx.ParseTime(v.(string))
				b.Append(arrow.Timestamp(tm.UnixMicro()))
			case *array.StringBuilder:
				if s, ok := v.(string); ok {
					b.Append(s)
				} else {
					raw, _ := json.Marshal(v)
					b.Append(string(raw))
				}
			}
		}
		arrs[i] = b.NewArray()
		b.Release()
	}
	if rows < 0 {
		rows = 0
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(rows)), nil
}

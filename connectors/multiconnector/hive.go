package multiconnector

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors"
)

// HiveNull is the value Hive and Spark write for a null partition key.
const HiveNull = "__HIVE_DEFAULT_PARTITION__"

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// hiveSegments returns the key=value directory segments of rel (a path
// relative to the dataset's root), in order. The file name is not a
// segment.
func hiveSegments(rel string) ([][2]string, error) {
	dir := filepath.Dir(filepath.ToSlash(rel))
	if dir == "." || dir == "/" {
		return nil, nil
	}
	var kv [][2]string
	for _, seg := range strings.Split(filepath.ToSlash(dir), "/") {
		k, v, ok := strings.Cut(seg, "=")
		if !ok || k == "" {
			continue
		}
		for _, p := range kv {
			if p[0] == k {
				return nil, fmt.Errorf("partition key %q appears twice in %s", k, rel)
			}
		}
		kv = append(kv, [2]string{k, v})
	}
	return kv, nil
}

// partitions holds the partition columns of a dataset and each part's values.
type partitions struct {
	fields []arrow.Field
	values [][]string // values[part][column]; HiveNull is null
}

// newPartitions reads the partition segments of every part. Every part must
// carry the same keys in the same order.
func newPartitions(rels []string, hint *arrow.Schema) (*partitions, error) {
	p := &partitions{values: make([][]string, len(rels))}
	var keys []string
	for i, rel := range rels {
		kv, err := hiveSegments(rel)
		if err != nil {
			return nil, fmt.Errorf("multiconnector: %w", err)
		}
		ks := make([]string, len(kv))
		vs := make([]string, len(kv))
		for j, e := range kv {
			ks[j], vs[j] = e[0], e[1]
		}
		if i == 0 {
			keys = ks
		} else if strings.Join(ks, "/") != strings.Join(keys, "/") {
			return nil, fmt.Errorf("multiconnector: %s has partition keys [%s], %s has [%s]: %w",
				rels[0], strings.Join(keys, ", "), rel, strings.Join(ks, ", "), connectors.ErrSchemaMismatch)
		}
		p.values[i] = vs
	}
	for j, k := range keys {
		col := make([]string, len(rels))
		for i := range rels {
			col[i] = p.values[i][j]
		}
		t, err := partitionType(k, col, hint)
		if err != nil {
			return nil, err
		}
		p.fields = append(p.fields, arrow.Field{Name: k, Type: t, Nullable: true})
	}
	return p, nil
}

// partitionType is the declared type of key, or the one inferred over all
// of its values.
func partitionType(key string, vals []string, hint *arrow.Schema) (arrow.DataType, error) {
	if hint != nil {
		if i := hint.FieldIndices(key); len(i) > 0 {
			t := hint.Field(i[0]).Type
			switch t.ID() {
			case arrow.DATE32, arrow.INT64, arrow.STRING:
			default:
				return nil, fmt.Errorf("multiconnector: partition column %q declared %s: a partition column is date, int64 or string: %w", key, t, connectors.ErrUnsupported)
			}
			for _, v := range vals {
				if v == HiveNull {
					continue
				}
				if _, err := parseValue(t, v); err != nil {
					return nil, fmt.Errorf("multiconnector: partition column %q declared %s: value %q: %w", key, t, v, err)
				}
			}
			return t, nil
		}
	}
	isDate, isInt := true, true
	for _, v := range vals {
		if v == HiveNull {
			continue
		}
		if _, err := parseValue(arrow.FixedWidthTypes.Date32, v); err != nil {
			isDate = false
		}
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			isInt = false
		}
	}
	switch {
	case isDate:
		return arrow.FixedWidthTypes.Date32, nil
	case isInt:
		return arrow.PrimitiveTypes.Int64, nil
	default:
		return arrow.BinaryTypes.String, nil
	}
}

func parseValue(t arrow.DataType, v string) (any, error) {
	switch t.ID() {
	case arrow.DATE32:
		if !dateRE.MatchString(v) {
			return nil, fmt.Errorf("not a YYYY-MM-DD date")
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return nil, err
		}
		return arrow.Date32FromTime(d), nil
	case arrow.INT64:
		return strconv.ParseInt(v, 10, 64)
	default:
		return v, nil
	}
}

// constant returns an array of n copies of part's value of column j.
// The caller releases it.
func (p *partitions) constant(mem memory.Allocator, part, j, n int) arrow.Array {
	f := p.fields[j]
	v := p.values[part][j]
	b := array.NewBuilder(mem, f.Type)
	defer b.Release()
	b.Reserve(n)
	if v == HiveNull {
		b.AppendNulls(n)
		return b.NewArray()
	}
	x, _ := parseValue(f.Type, v) // checked in newPartitions
	for range n {
		switch bb := b.(type) {
		case *array.Date32Builder:
			bb.Append(x.(arrow.Date32))
		case *array.Int64Builder:
			bb.Append(x.(int64))
		case *array.StringBuilder:
			bb.Append(x.(string))
		}
	}
	return b.NewArray()
}

// HiveKeys returns the partition keys of the key=value directory segments
// of rel, a part's path relative to its dataset's root.
func HiveKeys(rel string) []string {
	kv, _ := hiveSegments(rel)
	keys := make([]string, len(kv))
	for i, e := range kv {
		keys[i] = e[0]
	}
	return keys
}

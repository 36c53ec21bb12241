package suggest

import (
	"fmt"
	"hash/maphash"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/rules/metrics"
)

// profile is what one pass learns about a column. Its memory is bounded:
// the exact value set holds at most valueCap values, the uniqueness set at
// most uniqueCap hashes (and is dropped at the first duplicate), the shape
// table at most maxShapes groups; the rest are fixed-size metric states.
type profile struct {
	field  arrow.Field
	family string // int, uint, float, string, bool, timestamp, …
	rows   int64
	nulls  int64

	// Exact distinct values while there are at most valueCap of them,
	// with their counts; nil (and valuesOver) once there are more, or
	// when the column's type is not tracked.
	ints       map[int64]int64
	strs       map[string]int64
	valuesOver bool
	valueCap   int

	// Uniqueness: every value seen so far (strings by a 64-bit hash: a
	// collision can only make a unique column look duplicated, never the
	// reverse). Dropped at the first duplicate or beyond uniqueCap.
	seenInts  map[int64]struct{}
	seenHash  map[uint64]struct{}
	dup       bool
	uniqueCap int
	uniqueOut bool // more than uniqueCap distinct values: not decided
	seed      maphash.Seed

	// Fixed-size metric states (nil when the type has none).
	min, max, distinct metrics.State
	quant              metrics.Quantiler
	quantState         metrics.State

	// Strings.
	minLen, maxLen int
	shapes         shapes
}

// profileOptions bound a profile.
type profileOptions struct {
	valueCap, uniqueCap int
	light               bool // references: the value set only
}

func newProfile(f arrow.Field, o profileOptions) (*profile, error) {
	p := &profile{field: f, family: family(f.Type), valueCap: o.valueCap, uniqueCap: o.uniqueCap, seed: maphash.MakeSeed(), minLen: -1}
	switch p.family {
	case "int", "uint", "bool", "timestamp":
		if trackable(f.Type) {
			p.ints = map[int64]int64{}
			p.seenInts = map[int64]struct{}{}
		} else {
			p.valuesOver, p.uniqueOut = true, true
		}
	case "string":
		p.strs = map[string]int64{}
		p.seenHash = map[uint64]struct{}{}
	default:
		p.valuesOver, p.uniqueOut = true, true
	}
	if o.light {
		p.seenInts, p.seenHash, p.uniqueOut = nil, nil, true
		return p, nil
	}
	col := []string{f.Name}
	types := []arrow.DataType{f.Type}
	var err error
	newState := func(fn string, args ...any) metrics.State {
		if err != nil {
			return nil
		}
		var s metrics.State
		s, err = metrics.New(metrics.Spec{Func: fn, Columns: col, Args: args}, types)
		return s
	}
	switch p.family {
	case "int", "uint", "float":
		p.min, p.max = newState("min"), newState("max")
		p.quantState = newState("quantile", 0.5)
		if q, ok := p.quantState.(metrics.Quantiler); ok {
			p.quant = q
		}
	case "timestamp":
		p.min, p.max = newState("min"), newState("max")
	}
	switch p.family {
	case "int", "uint", "float", "timestamp", "string":
		p.distinct = newState("approx_distinct")
	}
	if err != nil {
		return nil, fmt.Errorf("suggest: column %q: %w", f.Name, err)
	}
	if p.family == "string" {
		p.shapes = newShapes()
	}
	return p, nil
}

// trackable reports whether collectInts reads arrays of type t.
func trackable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.BOOL, arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return true
	}
	return false
}

// collect folds in one batch's column, borrowed for the call.
func (p *profile) collect(a arrow.Array) error {
	p.rows += int64(a.Len())
	p.nulls += int64(a.NullN())
	for _, s := range []metrics.State{p.min, p.max, p.distinct, p.quantState} {
		if s == nil {
			continue
		}
		if err := s.Update([]arrow.Array{a}); err != nil {
			return fmt.Errorf("suggest: column %q: %w", p.field.Name, err)
		}
	}
	switch p.family {
	case "string":
		p.collectStrings(a)
	case "int", "uint", "bool", "timestamp":
		if p.ints != nil || p.seenInts != nil {
			collectInts(a, p.addInt)
		}
	}
	return nil
}

func (p *profile) addInt(v int64) {
	if p.ints != nil {
		p.ints[v]++
		if len(p.ints) > p.valueCap {
			p.ints, p.valuesOver = nil, true
		}
	}
	if p.seenInts != nil {
		if _, ok := p.seenInts[v]; ok {
			p.seenInts, p.dup = nil, true
			return
		}
		p.seenInts[v] = struct{}{}
		if len(p.seenInts) > p.uniqueCap {
			p.seenInts, p.uniqueOut = nil, true
		}
	}
}

func (p *profile) addString(s string, n int64) {
	if l := utf8.RuneCountInString(s); p.minLen < 0 || l < p.minLen {
		p.minLen = l
	}
	if l := utf8.RuneCountInString(s); l > p.maxLen {
		p.maxLen = l
	}
	if p.shapes.groups != nil {
		p.shapes.add(s, n)
	}
	if p.strs != nil {
		p.strs[s] += n
		if len(p.strs) > p.valueCap {
			p.strs, p.valuesOver = nil, true
		}
	}
	if p.seenHash != nil {
		h := maphash.String(p.seed, s)
		if _, ok := p.seenHash[h]; ok || n > 1 {
			p.seenHash, p.dup = nil, true
			return
		}
		p.seenHash[h] = struct{}{}
		if len(p.seenHash) > p.uniqueCap {
			p.seenHash, p.uniqueOut = nil, true
		}
	}
}

func (p *profile) collectStrings(a arrow.Array) {
	switch a := a.(type) {
	case *array.Dictionary:
		dict, ok := a.Dictionary().(array.StringLike)
		if !ok {
			return
		}
		// Each dictionary entry is looked at once, with its count.
		counts, ok := metrics.DictionaryCounts(a)
		if !ok {
			return
		}
		for k, c := range counts {
			if c > 0 && dict.IsValid(k) {
				p.addString(dict.Value(k), c)
			}
		}
	case array.StringLike:
		all := a.NullN() == 0
		for i := 0; i < a.Len(); i++ {
			if all || a.IsValid(i) {
				p.addString(a.Value(i), 1)
			}
		}
	}
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

func eachOf[T integer](vals []T, a arrow.Array, fn func(int64)) {
	if a.NullN() == 0 {
		for _, v := range vals {
			fn(int64(v))
		}
		return
	}
	for i, v := range vals {
		if a.IsValid(i) {
			fn(int64(v))
		}
	}
}

// collectInts calls fn with every non-null value of an integer-like array
// (unsigned values as their bits, booleans as 0 and 1, dates and
// timestamps in their unit).
func collectInts(a arrow.Array, fn func(int64)) {
	switch a := a.(type) {
	case *array.Int8:
		eachOf(a.Int8Values(), a, fn)
	case *array.Int16:
		eachOf(a.Int16Values(), a, fn)
	case *array.Int32:
		eachOf(a.Int32Values(), a, fn)
	case *array.Int64:
		eachOf(a.Int64Values(), a, fn)
	case *array.Uint8:
		eachOf(a.Uint8Values(), a, fn)
	case *array.Uint16:
		eachOf(a.Uint16Values(), a, fn)
	case *array.Uint32:
		eachOf(a.Uint32Values(), a, fn)
	case *array.Uint64:
		eachOf(a.Uint64Values(), a, fn)
	case *array.Date32:
		eachOf(a.Date32Values(), a, fn)
	case *array.Date64:
		eachOf(a.Date64Values(), a, fn)
	case *array.Timestamp:
		eachOf(a.TimestampValues(), a, fn)
	case *array.Boolean:
		for i := 0; i < a.Len(); i++ {
			if a.IsValid(i) {
				if a.Value(i) {
					fn(1)
				} else {
					fn(0)
				}
			}
		}
	}
}

// nonNull is the number of non-null values seen.
func (p *profile) nonNull() int64 { return p.rows - p.nulls }

// distinctCount returns the number of distinct non-null values, exact when
// the value set did not overflow, the HyperLogLog estimate otherwise.
func (p *profile) distinctCount() (n int64, exact bool) {
	switch {
	case p.ints != nil:
		return int64(len(p.ints)), true
	case p.strs != nil:
		return int64(len(p.strs)), true
	case p.distinct != nil:
		v, err := p.distinct.Result()
		if n, ok := v.(int64); ok && err == nil {
			return n, false
		}
	}
	return -1, false
}

// unique reports whether every non-null value was seen once, decided
// exactly.
func (p *profile) unique() bool {
	return !p.dup && !p.uniqueOut && (p.seenInts != nil || p.seenHash != nil) && p.nonNull() > 1
}

func result(s metrics.State) any {
	if s == nil {
		return nil
	}
	v, err := s.Result()
	if err != nil {
		return nil
	}
	return v
}

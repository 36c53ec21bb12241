package suggest

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

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
	untracked bool // the type has no value or uniqueness tracking
	seed      maphash.Seed

	// Fixed-size metric states (nil when the type has none).
	min, max, distinct metrics.State
	quant              metrics.Quantiler
	quantState         metrics.State
	// lazyQuant: the quantile sketch of an integer column is fed only once
	// its exact value set overflows (the set answers exactly until then):
	// the set is replayed into it, later values go through qbuf.
	lazyQuant bool
	qbuf      []int64
	qerr      error

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
			p.valuesOver, p.untracked = true, true
		}
	case "string":
		p.strs = map[string]int64{}
		p.seenHash = map[uint64]struct{}{}
	default:
		p.valuesOver, p.untracked = true, true
	}
	if o.light {
		p.seenInts, p.seenHash, p.untracked = nil, nil, true
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
		if p.ints != nil {
			p.lazyQuant = true
			types = []arrow.DataType{arrow.PrimitiveTypes.Int64}
			if p.family == "uint" {
				types = []arrow.DataType{arrow.PrimitiveTypes.Uint64}
			}
		}
		p.quantState = newState("quantile", 0.5)
		types = []arrow.DataType{f.Type}
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
		if s == nil || s == p.quantState && p.lazyQuant {
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
		if p.ints != nil || p.seenInts != nil || p.lazyQuant {
			collectInts(a, p.addInt)
		}
	}
	return p.flushQuant()
}

// flushQuant feeds the buffered values of an overflowed integer column to
// its quantile sketch.
func (p *profile) flushQuant() error {
	if p.qerr != nil || len(p.qbuf) == 0 {
		return p.qerr
	}
	err := p.feedQuant(p.qbuf)
	p.qbuf = p.qbuf[:0]
	return err
}

func (p *profile) feedQuant(vals []int64) error {
	if len(vals) == 0 {
		return nil
	}
	dt := arrow.DataType(arrow.PrimitiveTypes.Int64)
	if p.family == "uint" {
		dt = arrow.PrimitiveTypes.Uint64
	}
	data := array.NewData(dt, len(vals), []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(vals))}, nil, 0, 0)
	defer data.Release()
	arr := array.MakeFromData(data)
	defer arr.Release()
	if err := p.quantState.Update([]arrow.Array{arr}); err != nil {
		return fmt.Errorf("suggest: column %q: %w", p.field.Name, err)
	}
	return nil
}

// replayQuant feeds the exact value set, with its counts, to the quantile
// sketch, in value order so that the sketch is deterministic.
func (p *profile) replayQuant() {
	keys := p.sortedInts()
	buf := make([]int64, 0, 1<<14)
	for _, v := range keys {
		for c := p.ints[v]; c > 0; c-- {
			buf = append(buf, v)
			if len(buf) == cap(buf) {
				if p.qerr = p.feedQuant(buf); p.qerr != nil {
					return
				}
				buf = buf[:0]
			}
		}
	}
	p.qerr = p.feedQuant(buf)
}

func (p *profile) sortedInts() []int64 {
	keys := make([]int64, 0, len(p.ints))
	for v := range p.ints {
		keys = append(keys, v)
	}
	if p.family == "uint" {
		slices.SortFunc(keys, func(a, b int64) int { return cmp.Compare(uint64(a), uint64(b)) })
	} else {
		slices.Sort(keys)
	}
	return keys
}

func (p *profile) float(v int64) float64 {
	if p.family == "uint" {
		return float64(uint64(v))
	}
	return float64(v)
}

// quantile returns the q-quantile of the numeric values: exact (linear
// interpolation between closest ranks, as numpy) while the exact value set
// holds, the KLL estimate otherwise.
func (p *profile) quantile(q float64) (float64, bool) {
	if !p.lazyQuant || p.ints == nil {
		if p.quant == nil {
			return 0, false
		}
		return p.quant.Quantile(q)
	}
	keys := p.sortedInts()
	var n int64
	for _, v := range keys {
		n += p.ints[v]
	}
	if n == 0 {
		return 0, false
	}
	h := q * float64(n-1)
	lo, hi := int64(math.Floor(h)), int64(math.Ceil(h))
	at := func(rank int64) float64 {
		var cum int64
		for _, v := range keys {
			cum += p.ints[v]
			if cum > rank {
				return p.float(v)
			}
		}
		return p.float(keys[len(keys)-1])
	}
	vlo, vhi := at(lo), at(hi)
	return vlo + (h-math.Floor(h))*(vhi-vlo), true
}

func (p *profile) addInt(v int64) {
	if p.ints != nil {
		p.ints[v]++
		if len(p.ints) > p.valueCap {
			if p.lazyQuant {
				p.replayQuant()
			}
			p.ints, p.valuesOver = nil, true
		}
	} else if p.lazyQuant {
		p.qbuf = append(p.qbuf, v)
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
	l := utf8.RuneCountInString(s)
	if p.minLen < 0 || l < p.minLen {
		p.minLen = l
	}
	p.maxLen = max(p.maxLen, l)
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
	return !p.dup && !p.uniqueOut && !p.untracked && (p.seenInts != nil || p.seenHash != nil) && p.nonNull() > 1
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

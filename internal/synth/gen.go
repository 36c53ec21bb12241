package synth

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Generate returns rows rows of the plan in batches of at most batchSize
// rows, allocated from mem (memory.DefaultAllocator when nil). The caller
// releases every batch. The values depend on the plan and its seed only,
// not on batchSize.
func (p *Plan) Generate(mem memory.Allocator, rows, batchSize int) ([]arrow.RecordBatch, error) {
	if rows < 0 || batchSize < 1 {
		return nil, fmt.Errorf("synth: generate %d rows in batches of %d: want rows >= 0 and a batch size >= 1", rows, batchSize)
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	gens := make([]*colGen, len(p.cols))
	for i, c := range p.cols {
		g, err := newColGen(c, p.opts)
		if err != nil {
			return nil, err
		}
		gens[i] = g
	}
	b := array.NewRecordBuilder(mem, p.Schema())
	defer b.Release()
	var out []arrow.RecordBatch
	for lo := 0; lo < rows; lo += batchSize {
		hi := min(lo+batchSize, rows)
		for i, g := range gens {
			fb := b.Field(i)
			fb.Reserve(hi - lo)
			for row := lo; row < hi; row++ {
				g.append(fb, int64(row))
			}
		}
		out = append(out, b.NewRecordBatch())
	}
	return out, nil
}

// value kinds of a generator.
const (
	kindInt = iota
	kindFloat
	kindString
	kindBool
	kindTime // date, timestamp, duration: an int64 in the type's unit
)

// colGen generates one column. Every draw comes from rng, row by row, so
// the values do not depend on the batch size.
type colGen struct {
	c    Column
	rng  *rand.Rand
	kind int
	vr   float64 // violation rate

	// ints and times
	lo, hi       int64
	tmin, tmax   int64 // the type's range
	ints         []int64
	prevI        int64
	floLo, floHi float64
	floats       []float64
	prevF        float64
	round        bool // round valid doubles to cents
	// strings
	strs       []string
	pool       []string
	pat        *patternGen
	minL, maxL int
	prevS      string
	// bools
	bools []bool

	violators []func(row int64) (any, bool)
}

func newColGen(c Column, opts Options) (*colGen, error) {
	h := fnv.New64a()
	h.Write([]byte(c.Name))
	g := &colGen{c: c, rng: rand.New(rand.NewPCG(opts.Seed, h.Sum64())), vr: opts.ViolationRate}
	switch c.Type.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		g.initInt()
	case arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		g.initFloat()
	case arrow.STRING, arrow.BINARY:
		if err := g.initString(opts.Distinct); err != nil {
			return nil, err
		}
	case arrow.BOOL:
		g.initBool()
	case arrow.DATE32, arrow.TIMESTAMP, arrow.DURATION:
		g.initTime()
	default:
		return nil, fmt.Errorf("column %q of type %s: %w", c.Name, c.Type, ErrUnsupported)
	}
	if c.Unique {
		g.violators = append(g.violators, g.duplicate)
	}
	return g, nil
}

func (g *colGen) append(b array.Builder, row int64) {
	if g.c.NullRate > 0 && g.rng.Float64() < g.c.NullRate {
		b.AppendNull()
		return
	}
	var v any
	ok := false
	if len(g.violators) > 0 && g.vr > 0 && g.rng.Float64() < g.vr {
		v, ok = g.violators[g.rng.IntN(len(g.violators))](row)
	}
	if !ok {
		v = g.valid(row)
	}
	g.remember(v)
	put(b, v, g.c.Type)
}

// remember keeps the last value for duplicates of unique columns.
func (g *colGen) remember(v any) {
	switch x := v.(type) {
	case int64:
		g.prevI = x
	case float64:
		g.prevF = x
	case string:
		g.prevS = x
	}
}

func (g *colGen) duplicate(row int64) (any, bool) {
	if row == 0 {
		return nil, false
	}
	switch g.kind {
	case kindInt, kindTime:
		return g.prevI, true
	case kindFloat:
		return g.prevF, true
	case kindString:
		return g.prevS, true
	}
	return nil, false
}

func (g *colGen) valid(row int64) any {
	switch g.kind {
	case kindInt, kindTime:
		switch {
		case len(g.ints) > 0:
			return g.ints[g.rng.IntN(len(g.ints))]
		case g.c.Unique:
			span := uint64(g.hi) - uint64(g.lo)
			if span == math.MaxUint64 {
				return g.lo + row
			}
			return g.lo + int64(uint64(row)%(span+1))
		}
		span := uint64(g.hi) - uint64(g.lo)
		if span == math.MaxUint64 {
			return int64(g.rng.Uint64())
		}
		return g.lo + int64(g.rng.Uint64N(span+1))
	case kindFloat:
		if len(g.floats) > 0 {
			return g.floats[g.rng.IntN(len(g.floats))]
		}
		v := g.floLo + g.rng.Float64()*(g.floHi-g.floLo)
		if g.round && !g.c.Unique {
			r := math.Round(v*100) / 100
			if r >= g.floLo && r <= g.floHi {
				v = r
			}
		}
		return v
	case kindString:
		switch {
		case len(g.strs) > 0:
			return g.strs[g.rng.IntN(len(g.strs))]
		case g.c.Unique && g.pat == nil:
			return g.uniqueString(row)
		case g.c.Unique:
			return g.pool[row%int64(len(g.pool))]
		}
		return g.pool[g.rng.IntN(len(g.pool))]
	case kindBool:
		if len(g.bools) > 0 {
			return g.bools[g.rng.IntN(len(g.bools))]
		}
		return g.rng.IntN(2) == 0
	}
	return nil
}

// typeRange is the range of an integer type (uint64 capped at MaxInt64).
func typeRange(dt arrow.DataType) (int64, int64) {
	switch dt.ID() {
	case arrow.INT8:
		return math.MinInt8, math.MaxInt8
	case arrow.INT16:
		return math.MinInt16, math.MaxInt16
	case arrow.INT32:
		return math.MinInt32, math.MaxInt32
	case arrow.UINT8:
		return 0, math.MaxUint8
	case arrow.UINT16:
		return 0, math.MaxUint16
	case arrow.UINT32:
		return 0, math.MaxUint32
	case arrow.UINT64:
		return 0, math.MaxInt64
	}
	return math.MinInt64, math.MaxInt64
}

// defaultSpan is the width of a numeric range bounded on one side or none.
const defaultSpan = 1_000_000

func clampF(v float64, lo, hi int64) int64 {
	switch {
	case v <= float64(lo):
		return lo
	case v >= float64(hi):
		return hi
	}
	return int64(v)
}

func (g *colGen) initInt() {
	g.kind = kindInt
	c := g.c
	g.tmin, g.tmax = typeRange(c.Type)
	lo, hi := 0.0, float64(defaultSpan)
	switch {
	case c.Min != nil && c.Max != nil:
		lo, hi = math.Ceil(*c.Min), math.Floor(*c.Max)
	case c.Min != nil:
		lo = math.Ceil(*c.Min)
		hi = lo + defaultSpan
	case c.Max != nil:
		hi = math.Floor(*c.Max)
		lo = hi - defaultSpan
		if hi >= 0 && lo < 0 && hi > 0 {
			lo = 0 // a cap such as max: 100 reads as 0 … 100
		}
	}
	g.lo, g.hi = clampF(lo, g.tmin, g.tmax), clampF(hi, g.tmin, g.tmax)
	if g.hi < g.lo {
		g.hi = g.lo
	}
	for _, v := range c.Values {
		switch x := v.(type) {
		case int64:
			g.ints = append(g.ints, x)
		case uint64:
			if x <= math.MaxInt64 {
				g.ints = append(g.ints, int64(x))
			}
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<62 {
				g.ints = append(g.ints, int64(x))
			}
		}
	}
	if len(g.ints) > 0 {
		out := slices.Max(g.ints)
		g.violators = append(g.violators, func(int64) (any, bool) {
			if out < g.tmax {
				return out + 1, true
			}
			return nil, false
		})
	}
	if c.Min != nil && g.lo > g.tmin {
		g.violators = append(g.violators, func(int64) (any, bool) {
			return max(g.lo-1-g.rng.Int64N(10), g.tmin), true
		})
	}
	if c.Max != nil && g.hi < g.tmax {
		g.violators = append(g.violators, func(int64) (any, bool) {
			return min(g.hi+1+g.rng.Int64N(10), g.tmax), true
		})
	}
}

func (g *colGen) initFloat() {
	g.kind = kindFloat
	c := g.c
	const span = 1000.0
	g.floLo, g.floHi = 0, span
	switch {
	case c.Min != nil && c.Max != nil:
		g.floLo, g.floHi = *c.Min, *c.Max
	case c.Min != nil:
		g.floLo, g.floHi = *c.Min, *c.Min+span
	case c.Max != nil:
		g.floLo, g.floHi = *c.Max-span, *c.Max
		if *c.Max > 0 {
			g.floLo = 0
		}
	}
	g.round = true
	if dt, ok := c.Type.(arrow.DecimalType); ok {
		// Keep the values within the precision.
		limit := math.Pow10(int(dt.GetPrecision()-dt.GetScale())) - 1
		g.floLo, g.floHi = math.Max(g.floLo, -limit), math.Min(g.floHi, limit)
		g.round = dt.GetScale() >= 2
	}
	for _, v := range c.Values {
		switch x := v.(type) {
		case int64:
			g.floats = append(g.floats, float64(x))
		case uint64:
			g.floats = append(g.floats, float64(x))
		case float64:
			g.floats = append(g.floats, x)
		}
	}
	if len(g.floats) > 0 {
		out := slices.Max(g.floats) + 0.5
		g.violators = append(g.violators, func(int64) (any, bool) { return out, true })
	}
	if c.Min != nil {
		g.violators = append(g.violators, func(int64) (any, bool) { return g.floLo - 1 - 10*g.rng.Float64(), true })
	}
	if c.Max != nil {
		g.violators = append(g.violators, func(int64) (any, bool) { return g.floHi + 1 + 10*g.rng.Float64(), true })
	}
}

func (g *colGen) initBool() {
	g.kind = kindBool
	for _, v := range g.c.Values {
		if b, ok := v.(bool); ok && !slices.Contains(g.bools, b) {
			g.bools = append(g.bools, b)
		}
	}
	if len(g.bools) == 1 {
		out := !g.bools[0]
		g.violators = append(g.violators, func(int64) (any, bool) { return out, true })
	}
}

// Time ranges: dates in 2020 … 2025, timestamps in 2024, durations up to
// an hour.
var (
	dateBase = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	timeBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

func (g *colGen) initTime() {
	g.kind = kindTime
	g.tmin, g.tmax = math.MinInt64, math.MaxInt64
	switch dt := g.c.Type.(type) {
	case *arrow.Date32Type:
		g.lo = int64(dateBase.Unix() / 86400)
		g.hi = g.lo + 6*365
	case *arrow.TimestampType:
		unit := int64(dt.Unit.Multiplier())
		g.lo = timeBase.UnixNano() / unit
		g.hi = g.lo + int64(365*24*time.Hour)/unit
	case *arrow.DurationType:
		unit := int64(dt.Unit.Multiplier())
		g.lo, g.hi = 0, int64(time.Hour)/unit
	}
}

func (g *colGen) initString(distinct int) error {
	g.kind = kindString
	c := g.c
	g.minL, g.maxL = 4, 16
	switch {
	case c.MinLength != nil && c.MaxLength != nil:
		g.minL, g.maxL = *c.MinLength, *c.MaxLength
	case c.MinLength != nil:
		g.minL = *c.MinLength
		g.maxL = g.minL + 12
	case c.MaxLength != nil:
		g.maxL = *c.MaxLength
		g.minL = min(g.minL, g.maxL)
	}
	for _, v := range c.Values {
		s, ok := v.(string)
		if !ok {
			s = fmt.Sprint(v)
		}
		g.strs = append(g.strs, s)
	}
	if c.Pattern != "" {
		pat, err := newPatternGen(c.Pattern)
		if err != nil {
			return fmt.Errorf("column %q: pattern %q: %w", c.Name, c.Pattern, err)
		}
		g.pat = pat
	}
	if len(g.strs) == 0 {
		g.pool = make([]string, distinct)
		for i := range g.pool {
			s, err := g.fresh()
			if err != nil {
				return err
			}
			g.pool[i] = s
		}
	}
	if len(g.strs) > 0 {
		out := "zz-unlisted"
		for slices.Contains(g.strs, out) {
			out += "-"
		}
		g.violators = append(g.violators, func(int64) (any, bool) { return out, true })
	}
	if g.pat != nil {
		if bad, ok := g.pat.nonMatch(); ok {
			g.violators = append(g.violators, func(int64) (any, bool) { return bad, true })
		}
	}
	if c.MinLength != nil && g.minL > 0 {
		g.violators = append(g.violators, func(int64) (any, bool) { return g.letters(g.minL - 1), true })
	}
	if c.MaxLength != nil {
		g.violators = append(g.violators, func(int64) (any, bool) { return g.letters(g.maxL + 1 + g.rng.IntN(4)), true })
	}
	return nil
}

var errNoMatch = errors.New("no string matching the pattern found")

// fresh returns a new valid string: one matching the pattern (of a length
// within the bounds when one is found), or letters and digits.
func (g *colGen) fresh() (string, error) {
	if g.pat == nil {
		return g.letters(g.minL + g.rng.IntN(g.maxL-g.minL+1)), nil
	}
	last, found := "", false
	for range 20 {
		s, ok := g.pat.match(g.rng)
		if !ok {
			continue
		}
		last, found = s, true
		if n := len([]rune(s)); n >= g.minL && n <= g.maxL {
			return s, nil
		}
	}
	if !found {
		return "", fmt.Errorf("column %q: pattern %q: %w: %w", g.c.Name, g.c.Pattern, ErrUnsupported, errNoMatch)
	}
	return last, nil
}

func (g *colGen) letters(n int) string {
	var b strings.Builder
	b.Grow(n)
	for range n {
		b.WriteByte(alnum[g.rng.IntN(len(alnum))])
	}
	return b.String()
}

// uniqueString is a string no other row has: letters ending in the row
// number in base 36, within the length bounds where the number fits.
func (g *colGen) uniqueString(row int64) string {
	suffix := strconv.FormatInt(row, 36)
	n := g.minL + g.rng.IntN(g.maxL-g.minL+1)
	if n <= len(suffix) {
		return suffix
	}
	return g.letters(n-len(suffix)-1) + "-" + suffix
}

// put appends v, an int64, float64, string or bool, to b.
func put(b array.Builder, v any, dt arrow.DataType) {
	switch bb := b.(type) {
	case *array.Int8Builder:
		bb.Append(int8(v.(int64)))
	case *array.Int16Builder:
		bb.Append(int16(v.(int64)))
	case *array.Int32Builder:
		bb.Append(int32(v.(int64)))
	case *array.Int64Builder:
		bb.Append(v.(int64))
	case *array.Uint8Builder:
		bb.Append(uint8(v.(int64)))
	case *array.Uint16Builder:
		bb.Append(uint16(v.(int64)))
	case *array.Uint32Builder:
		bb.Append(uint32(v.(int64)))
	case *array.Uint64Builder:
		bb.Append(uint64(v.(int64)))
	case *array.Float32Builder:
		bb.Append(float32(v.(float64)))
	case *array.Float64Builder:
		bb.Append(v.(float64))
	case *array.Decimal128Builder:
		d := dt.(*arrow.Decimal128Type)
		n, err := decimal128.FromFloat64(v.(float64), d.Precision, d.Scale)
		if err != nil {
			bb.AppendNull()
			return
		}
		bb.Append(n)
	case *array.Decimal256Builder:
		d := dt.(*arrow.Decimal256Type)
		n, err := decimal256.FromFloat64(v.(float64), d.Precision, d.Scale)
		if err != nil {
			bb.AppendNull()
			return
		}
		bb.Append(n)
	case *array.StringBuilder:
		bb.Append(v.(string))
	case *array.BinaryBuilder:
		bb.Append([]byte(v.(string)))
	case *array.BooleanBuilder:
		bb.Append(v.(bool))
	case *array.Date32Builder:
		bb.Append(arrow.Date32(v.(int64)))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(v.(int64)))
	case *array.DurationBuilder:
		bb.Append(arrow.Duration(v.(int64)))
	default:
		b.AppendNull()
	}
}

package engine_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// The differential property: for every generated expression and batch,
// the vectorized engine and the interpreter give identical outcomes and
// error kinds on every row.

var diffSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i1", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "i2", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "f1", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "f2", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s1", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "s2", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	{Name: "s3", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Uint16, ValueType: arrow.BinaryTypes.LargeString}, Nullable: true},
	{Name: "s4", Type: arrow.BinaryTypes.LargeString, Nullable: true},
	{Name: "n8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	{Name: "n16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	{Name: "n32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "g1", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "b1", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "b2", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "t1", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "t2", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
	{Name: "t3", Type: &arrow.TimestampType{Unit: arrow.Second}, Nullable: true},
	{Name: "t4", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "America/New_York"}, Nullable: true},
	{Name: "t5", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "t6", Type: arrow.FixedWidthTypes.Date64, Nullable: true},
	{Name: "d1", Type: arrow.FixedWidthTypes.Duration_ns, Nullable: true},
	{Name: "d2", Type: arrow.FixedWidthTypes.Duration_s, Nullable: true},
	{Name: "d3", Type: arrow.FixedWidthTypes.Duration_ms, Nullable: true},
}, nil)

var (
	intPool = []int64{0, 1, -1, 2, 3, 7, -7, 42, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1,
		math.MinInt64 + 1, 1 << 53, 1<<53 + 1, -(1 << 53) - 1, 1 << 62}
	floatPool = []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 2.5, 7, 42, math.NaN(), math.Inf(1), math.Inf(-1),
		1 << 53, 1<<53 + 2, 9.223372036854775807e18, -9.223372036854775808e18, 1e300, -1e-300, 3.0000000000000004}
	strPool = []string{"", "a", "ab", "abc", "b", "é", "日本", "a日本", "本", "new", "paid", "shipped",
		"x\x00y", "\xff\xfe", "A", " a", "aé", "ABC", "Ab", "\u212a", "İx", "Éa", "1", "-7", "1e3", "0x10",
		"NaN", "inf", " 1", "9223372036854775808", "1.5", "a\xffB"}
	// literal pools: literals a rule file can spell.
	intLits   = []int64{0, 1, -1, 2, 3, 7, 42, math.MaxInt64, math.MinInt64 + 1, 1 << 53, 1<<53 + 1}
	floatLits = []float64{0, 1, -1, 0.5, 2.5, 7, 42, 1 << 53, 9.223372036854775807e18, -9.223372036854775808e18, 1e300}
	strLits   = []string{"", "a", "ab", "b", "é", "日本", "本", "new", "paid", "shipped", "x\x00y", "A", "aé",
		"ABC", "abc", "\ufffd", "\ufffd\ufffd", "a\ufffdb", "A\ufffdB", "0", "1", "-1", "42", "-7", "9223372036854775807", "4"}
	// temporal pools: Unix seconds and nanoseconds, including the ends of
	// CEL's timestamp range and values past them.
	secPool = []int64{0, -1, 1, 1700000000, 1709210096, 951782400, -62135596800, 253402300799, 253402300800,
		-62135596801, 4102444800, -2208988800, 1710054000, 1730613600, 86399, -86400}
	nsecPool = []int64{0, 1, 999999999, 500000000, 123456789}
	durPool  = []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 3600, 86400, 1e9, -1e9, 1500, 1e10, -1e13,
		1 << 40, math.MaxInt64 / 1000, math.MinInt64/1000 - 1}
	tsLits = []string{"2024-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999999999Z", "2024-02-29T12:30:45.123456789+05:30", "1969-12-31T23:59:59.5-08:00",
		"2023-11-05T01:30:00-04:00", "2000-02-29T23:59:59.999Z"}
	durLits = []string{"0s", "1ns", "-1ns", "1h", "-36h", "1.5s", "2562047h47m16.854775807s",
		"-2562047h47m16.854775808s", "86400s", "1000000h", "1ms", "999us", "-0.5s"}
	zones = []string{"UTC", "America/New_York", "Asia/Kolkata", "+05:30", "-08:00", "-00:30",
		"Australia/Lord_Howe", "Europe/London", "No/Such_Zone", "+24:00", ""}
	regexes   = []string{"^a", "b$", "^$", "[é本]", "(?i)a", "^.{2}$", "a|B", `\d+`, `^\p{Lu}`, ".", "^\ufffd"}
	tsGetters = []string{"getFullYear", "getMonth", "getDayOfMonth", "getDate", "getDayOfWeek", "getDayOfYear",
		"getHours", "getMinutes", "getSeconds", "getMilliseconds"}
	durGetters = []string{"getHours", "getMinutes", "getSeconds", "getMilliseconds"}
)

type gen struct{ r *rand.Rand }

func (g gen) pick(n int) int { return g.r.IntN(n) }

func (g gen) intLit() string { return strconv.FormatInt(intLits[g.pick(len(intLits))], 10) }

func (g gen) floatLit() string {
	s := strconv.FormatFloat(floatLits[g.pick(len(floatLits))], 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

func (g gen) strLit() string { return strconv.Quote(strLits[g.pick(len(strLits))]) }

func (g gen) strCol() string { return []string{"s1", "s2", "s3", "s4"}[g.pick(4)] }

// strOp is a string column, possibly through lowerAscii and upperAscii.
func (g gen) strOp() string {
	switch g.pick(7) {
	case 0:
		return g.strCol() + ".lowerAscii()"
	case 1:
		return g.strCol() + ".upperAscii()"
	case 2:
		return g.strCol() + ".lowerAscii().upperAscii()"
	case 3:
		return "string(" + intCols[g.pick(len(intCols))] + ")"
	}
	return g.strCol()
}

// tsExpr is a timestamp-valued expression.
func (g gen) tsExpr(depth int) string {
	switch k := g.pick(8); {
	case depth > 0 && k == 0:
		return "(" + g.tsExpr(depth-1) + " + " + g.durExpr(depth-1) + ")"
	case depth > 0 && k == 1:
		return "(" + g.tsExpr(depth-1) + " - " + g.durExpr(depth-1) + ")"
	case depth > 0 && k == 2:
		return "(" + g.durExpr(depth-1) + " + " + g.tsExpr(depth-1) + ")"
	case k == 3:
		if g.pick(4) == 0 {
			return "timestamp(" + []string{"0", "253402300799", "-62135596800", "1700000000"}[g.pick(4)] + ")"
		}
		return "timestamp(" + strconv.Quote(tsLits[g.pick(len(tsLits))]) + ")"
	}
	return []string{"t1", "t2", "t3", "t4", "t5", "t6"}[g.pick(6)]
}

// durExpr is a duration-valued expression.
func (g gen) durExpr(depth int) string {
	switch k := g.pick(7); {
	case depth > 0 && k == 0:
		return "(" + g.tsExpr(depth-1) + " - " + g.tsExpr(depth-1) + ")"
	case depth > 0 && k == 1:
		return "(" + g.durExpr(depth-1) + []string{" + ", " - "}[g.pick(2)] + g.durExpr(depth-1) + ")"
	case k == 2:
		return "duration(" + strconv.Quote(durLits[g.pick(len(durLits))]) + ")"
	}
	return []string{"d1", "d2", "d3"}[g.pick(3)]
}

// timeNum is an int computed from a timestamp or duration, or a cast.
func (g gen) timeNum() string {
	switch g.pick(9) {
	case 0, 1:
		return g.tsExpr(1) + "." + tsGetters[g.pick(len(tsGetters))] + "()"
	case 2, 3:
		return g.tsExpr(1) + "." + tsGetters[g.pick(len(tsGetters))] + "(" + strconv.Quote(zones[g.pick(len(zones))]) + ")"
	case 4:
		return g.durExpr(1) + "." + durGetters[g.pick(len(durGetters))] + "()"
	case 5:
		return "int(" + []string{g.tsExpr(1), g.durExpr(1)}[g.pick(2)] + ")"
	case 6:
		return "int(" + []string{g.doubleArith(1), doubleCols[g.pick(len(doubleCols))], g.floatLit()}[g.pick(3)] + ")"
	case 7:
		if g.pick(3) == 0 { // identity conversions
			return []string{"double(" + doubleCols[g.pick(len(doubleCols))] + ")", "int(" + intCols[g.pick(len(intCols))] + ")"}[g.pick(2)]
		}
		return "double(" + []string{g.intArith(1), intCols[g.pick(len(intCols))]}[g.pick(2)] + ")"
	}
	return []string{"int(", "double("}[g.pick(2)] + g.strOp() + ")"
}

// numLit is an int or double literal.
func (g gen) numLit() string {
	if g.pick(2) == 0 {
		return g.intLit()
	}
	return g.floatLit()
}

// intCols and doubleCols are the columns CEL reads as int and double.
var (
	intCols    = []string{"i1", "i2", "n8", "n16", "n32"}
	doubleCols = []string{"f1", "f2", "g1"}
)

// intArith is an int-valued arithmetic expression.
func (g gen) intArith(depth int) string {
	operand := func() string {
		switch {
		case depth > 0 && g.pick(3) == 0:
			return g.intArith(depth - 1)
		case g.pick(3) == 0:
			return g.intLit()
		case g.pick(4) == 0:
			return "size(" + g.strCol() + ")"
		}
		return intCols[g.pick(len(intCols))]
	}
	op := []string{" + ", " - ", " * ", " / ", " % "}[g.pick(5)]
	return "(" + operand() + op + operand() + ")"
}

// doubleArith is a double-valued arithmetic expression.
func (g gen) doubleArith(depth int) string {
	operand := func() string {
		switch {
		case depth > 0 && g.pick(3) == 0:
			return g.doubleArith(depth - 1)
		case g.pick(3) == 0:
			return g.floatLit()
		}
		return doubleCols[g.pick(len(doubleCols))]
	}
	op := []string{" + ", " - ", " * ", " / "}[g.pick(4)]
	return "(" + operand() + op + operand() + ")"
}

func (g gen) num() string {
	switch g.pick(13) {
	case 10, 11, 12:
		return g.timeNum()
	case 7:
		return g.intArith(1)
	case 8:
		return g.doubleArith(1)
	case 9:
		return []string{"n8", "n16", "n32", "g1"}[g.pick(4)]
	case 0:
		return []string{"i1", "i2"}[g.pick(2)]
	case 1:
		return []string{"f1", "f2"}[g.pick(2)]
	case 2:
		return g.intLit()
	case 3:
		return g.floatLit()
	case 4:
		return "size(" + g.strOp() + ")"
	case 5:
		return g.strOp() + ".size()"
	}
	return []string{"i1", "f1", "i2", "f2"}[g.pick(4)]
}

func (g gen) list(elem func() string) string {
	n := g.pick(5)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = elem()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (g gen) boolExpr(depth int) string {
	k := g.pick(22)
	if depth <= 0 {
		k = 3 + g.pick(17)
	}
	switch k {
	case 20, 21:
		// A conditional; its operands may be outside the subset.
		return "(" + g.boolExpr(depth-1) + " ? " + g.boolExpr(depth-1) + " : " + g.boolExpr(depth-1) + ")"
	case 0:
		return "(" + g.boolExpr(depth-1) + " && " + g.boolExpr(depth-1) + ")"
	case 1:
		return "(" + g.boolExpr(depth-1) + " || " + g.boolExpr(depth-1) + ")"
	case 2:
		return "!(" + g.boolExpr(depth-1) + ")"
	case 3, 4:
		ops := []string{"<", "<=", ">", ">=", "==", "!="}
		return g.num() + " " + ops[g.pick(len(ops))] + " " + g.num()
	case 5:
		ops := []string{" == ", " != ", " < ", " <= ", " > ", " >= "}
		switch g.pick(3) {
		case 0:
			return g.strOp() + ops[g.pick(len(ops))] + g.strLit()
		case 1:
			return g.strOp() + ops[g.pick(len(ops))] + g.strOp()
		}
		return g.strLit() + ops[g.pick(len(ops))] + g.strOp()
	case 6:
		switch g.pick(5) {
		case 3:
			return []string{"f1", "f2", "g1", "i1", "n8"}[g.pick(5)] + " in " + g.list(g.numLit)
		case 4:
			return g.timeNum() + " in " + g.list(g.numLit)
		case 0:
			return g.strOp() + " in " + g.list(g.strLit)
		case 1:
			return intCols[g.pick(len(intCols))] + " in " + g.list(g.intLit)
		}
		return "size(" + g.strCol() + ") in " + g.list(g.intLit)
	case 7:
		fn := []string{"startsWith", "endsWith", "contains"}[g.pick(3)]
		return g.strOp() + "." + fn + "(" + g.strLit() + ")"
	case 8:
		cols := []string{"i1", "i2", "f1", "f2", "s1", "s2", "s3", "s4", "n8", "n16", "n32", "g1", "b1", "b2",
			"t1", "t2", "t3", "t4", "t5", "t6", "d1", "d2", "d3"}
		col := cols[g.pick(len(cols))]
		if g.pick(2) == 0 {
			return col + []string{" == null", " != null"}[g.pick(2)]
		}
		return "null" + []string{" == ", " != "}[g.pick(2)] + col
	case 9:
		// Outside the subset: the rule stays on the interpreter.
		return []string{"s1.trim() == 'a'", "-f1 > 1.0", "s1.matches(s4)", "i1 - 1u > 2u",
			"(i1 > 0 ? f1 : f2) > 1.0", "s1 + s4 == 'ab'", "i1 < 5u", "s1.trim() == s4"}[g.pick(8)]
	case 10:
		return []string{"true", "false"}[g.pick(2)] + []string{" && ", " || "}[g.pick(2)] + g.boolExpr(depth-1)
	case 11:
		b := []string{"b1", "b2"}[g.pick(2)]
		switch g.pick(3) {
		case 0:
			return b
		case 1:
			return "!" + b
		}
		return b + []string{" && ", " || "}[g.pick(2)] + g.boolExpr(depth-1)
	case 12:
		b := []string{"b1", "b2"}[g.pick(2)]
		eq := []string{" == ", " != "}[g.pick(2)]
		switch g.pick(4) {
		case 0:
			return b + eq + []string{"true", "false"}[g.pick(2)]
		case 1:
			return []string{"true", "false"}[g.pick(2)] + eq + b
		case 2:
			return "b1" + eq + "b2"
		}
		return b + eq + "(" + g.boolExpr(depth-1) + ")"
	case 13, 14:
		ops := []string{"<", "<=", ">", ">=", "==", "!="}
		op := " " + ops[g.pick(len(ops))] + " "
		if g.pick(2) == 0 {
			return g.tsExpr(2) + op + g.tsExpr(2)
		}
		return g.durExpr(2) + op + g.durExpr(2)
	case 15, 16:
		pat := strconv.Quote(regexes[g.pick(len(regexes))])
		if g.pick(2) == 0 {
			return "matches(" + g.strOp() + ", " + pat + ")"
		}
		return g.strOp() + ".matches(" + pat + ")"
	case 17:
		fn := []string{"is_email", "is_ip", "is_mac"}[g.pick(3)]
		return fn + "(" + g.strOp() + ")"
	case 18:
		ops := []string{"<", "<=", ">", ">=", "==", "!="}
		return g.timeNum() + " " + ops[g.pick(len(ops))] + " " + g.num()
	}
	return g.num() + " < " + g.num()
}

// column builders

func (g gen) valid(nullRate int) bool { return nullRate == 0 || g.pick(nullRate) != 0 }

func (g gen) intArray(mem memory.Allocator, n, nullRate int) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	for range n {
		if !g.valid(nullRate) {
			b.AppendNull()
		} else if g.pick(4) == 0 {
			b.Append(g.r.Int64N(21) - 10)
		} else {
			b.Append(intPool[g.pick(len(intPool))])
		}
	}
	return b.NewArray()
}

func (g gen) floatArray(mem memory.Allocator, n, nullRate int) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	for range n {
		if !g.valid(nullRate) {
			b.AppendNull()
		} else if g.pick(4) == 0 {
			b.Append(float64(g.r.IntN(21)-10) / 2)
		} else {
			b.Append(floatPool[g.pick(len(floatPool))])
		}
	}
	return b.NewArray()
}

func (g gen) stringArray(mem memory.Allocator, dt arrow.DataType, n, nullRate int) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for range n {
		if !g.valid(nullRate) {
			b.AppendNull()
			continue
		}
		s := strPool[g.pick(len(strPool))]
		switch x := b.(type) {
		case *array.StringBuilder:
			x.Append(s)
		case *array.LargeStringBuilder:
			x.Append(s)
		}
	}
	return b.NewArray()
}

// narrowArray builds an int8, int16, int32, float32 or bool column whose
// values include the type's extremes.
func (g gen) narrowArray(mem memory.Allocator, dt arrow.DataType, n, nullRate int) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for range n {
		if !g.valid(nullRate) {
			b.AppendNull()
			continue
		}
		small := g.r.Int64N(21) - 10
		switch x := b.(type) {
		case *array.Int8Builder:
			x.Append([]int8{int8(small), math.MaxInt8, math.MinInt8}[g.pick(3)])
		case *array.Int16Builder:
			x.Append([]int16{int16(small), math.MaxInt16, math.MinInt16}[g.pick(3)])
		case *array.Int32Builder:
			x.Append([]int32{int32(small), math.MaxInt32, math.MinInt32}[g.pick(3)])
		case *array.Float32Builder:
			x.Append([]float32{float32(small) / 2, 0.1, math.MaxFloat32, -math.SmallestNonzeroFloat32,
				float32(math.Inf(1)), float32(math.NaN()), 1 << 24, 1<<24 + 2}[g.pick(8)])
		case *array.BooleanBuilder:
			x.Append(g.pick(2) == 0)
		}
	}
	return b.NewArray()
}

// temporalArray builds a timestamp, date or duration column whose raw
// values include the int64 extremes and the ends of CEL's timestamp range.
func (g gen) temporalArray(mem memory.Allocator, dt arrow.DataType, n, nullRate int) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	raw := func(per int64) int64 {
		switch g.pick(12) {
		case 0:
			return []int64{math.MaxInt64, math.MinInt64, 0, -1, 1}[g.pick(5)]
		case 1:
			return g.r.Int64N(8e9) - 4e9
		}
		sec, ns := secPool[g.pick(len(secPool))], nsecPool[g.pick(len(nsecPool))]
		return sec*per + ns/(1e9/per) // wraps for the largest: still a raw value
	}
	for range n {
		if !g.valid(nullRate) {
			b.AppendNull()
			continue
		}
		switch x := b.(type) {
		case *array.TimestampBuilder:
			per := map[arrow.TimeUnit]int64{arrow.Second: 1, arrow.Millisecond: 1e3, arrow.Microsecond: 1e6,
				arrow.Nanosecond: 1e9}[dt.(*arrow.TimestampType).Unit]
			x.Append(arrow.Timestamp(raw(per)))
		case *array.Date32Builder:
			x.Append(arrow.Date32([]int32{0, -1, 1, 19782, math.MaxInt32, math.MinInt32, 2932896, -719162,
				-719163, int32(g.r.IntN(100000) - 50000)}[g.pick(10)]))
		case *array.Date64Builder:
			x.Append(arrow.Date64(raw(1e3)))
		case *array.DurationBuilder:
			if g.pick(3) == 0 {
				x.Append(arrow.Duration(g.r.Int64N(2e6) - 1e6))
			} else {
				x.Append(arrow.Duration(durPool[g.pick(len(durPool))]))
			}
		}
	}
	return b.NewArray()
}

// dictArray builds a dictionary column whose dictionary may hold a null
// entry and duplicates are not required to be absent.
func (g gen) dictArray(mem memory.Allocator, dt *arrow.DictionaryType, n, nullRate int) arrow.Array {
	dict := g.stringArray(mem, dt.ValueType, 1+g.pick(len(strPool)), 4*g.pick(2))
	defer dict.Release()
	ib := array.NewBuilder(mem, dt.IndexType)
	defer ib.Release()
	for range n {
		if !g.valid(nullRate) {
			ib.AppendNull()
			continue
		}
		k := g.pick(dict.Len())
		switch x := ib.(type) {
		case *array.Int32Builder:
			x.Append(int32(k))
		case *array.Uint16Builder:
			x.Append(uint16(k))
		}
	}
	idx := ib.NewArray()
	defer idx.Release()
	return array.NewDictionaryArray(dt, idx, dict)
}

// batch builds n rows, sliced out of a longer batch at a random offset.
func (g gen) batch(mem memory.Allocator, n int) arrow.RecordBatch {
	off := 0
	if g.pick(2) == 0 {
		off = g.pick(70)
	}
	total := off + n + g.pick(5)
	nullRate := []int{0, 2, 5, 20}[g.pick(4)]
	cols := make([]arrow.Array, diffSchema.NumFields())
	for i, f := range diffSchema.Fields() {
		var full arrow.Array
		switch dt := f.Type.(type) {
		case *arrow.Int64Type:
			full = g.intArray(mem, total, nullRate)
		case *arrow.Float64Type:
			full = g.floatArray(mem, total, nullRate)
		case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Float32Type, *arrow.BooleanType:
			full = g.narrowArray(mem, dt, total, nullRate)
		case *arrow.DictionaryType:
			full = g.dictArray(mem, dt, total, nullRate)
		case *arrow.TimestampType, *arrow.Date32Type, *arrow.Date64Type, *arrow.DurationType:
			full = g.temporalArray(mem, dt, total, nullRate)
		default:
			full = g.stringArray(mem, dt, total, nullRate)
		}
		cols[i] = array.NewSlice(full, int64(off), int64(off+n))
		full.Release()
	}
	rec := array.NewRecordBatch(diffSchema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

var policies = []rules.NullPolicy{rules.NullsSkip, rules.NullsFail, rules.NullsPass}

// diffCase runs one generated expression on one generated batch through
// both engines and reports whether the engine took it.
func diffCase(t *testing.T, mem memory.Allocator, seed uint64) bool {
	t.Helper()
	g := gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	expr := g.boolExpr(3)
	return diffExpr(t, mem, g, seed, expr)
}

// diffExpr compares the engines on expr over a batch drawn from g.
func diffExpr(t *testing.T, mem memory.Allocator, g gen, seed uint64, expr string) bool {
	t.Helper()
	rs := &rules.RuleSet{Version: 1, Dataset: "diff", Rules: []rules.Rule{
		{Name: "r", Expr: expr, Nulls: policies[g.pick(3)]},
	}}
	batch := g.batch(mem, g.pick(150))
	defer batch.Release()
	auto, err := rs.Compile(diffSchema, rules.WithEngine(rules.EngineAuto))
	if err != nil {
		// Generated mixes CEL rejects (double == int): nothing to compare.
		var probs rules.Errors
		require.ErrorAs(t, err, &probs, "seed %d: %s", seed, expr)
		return false
	}
	interp, err := rs.Compile(diffSchema, rules.WithEngine(rules.EngineInterpreter))
	require.NoError(t, err)
	require.Equal(t, rules.EngineInterpreter, interp.RowRules()[0].Engine)
	got, err := auto.NewRun().Eval(context.Background(), batch)
	require.NoError(t, err)
	want, err := interp.NewRun().Eval(context.Background(), batch)
	require.NoError(t, err)
	msg := fmt.Sprintf("seed %d: %s (nulls: %s, rows %d)", seed, expr, rs.Rules[0].Nulls, batch.NumRows())
	require.Equal(t, want.Outcomes, got.Outcomes, msg)
	require.Equal(t, want.ErrorKinds, got.ErrorKinds, msg)
	require.Equal(t, want.Counts, got.Counts, msg)
	return auto.RowRules()[0].Engine != rules.EngineInterpreter
}

// TestDifferentialRuleSets compiles generated rules together, built from a
// few shared subexpressions, so that the engine's one pass per batch and
// its shared results are held to the interpreter too.
func TestDifferentialRuleSets(t *testing.T) {
	mem := arrowtest.Allocator(t)
	n := 300
	if testing.Short() {
		n = 30
	}
	shared, mixed := 0, 0
	for seed := range uint64(n) {
		g := gen{r: rand.New(rand.NewPCG(seed, 0x5e7))}
		parts := []string{g.boolExpr(1), g.boolExpr(1), g.boolExpr(1)}
		part := func() string { return parts[g.pick(len(parts))] }
		rs := &rules.RuleSet{Version: 1, Dataset: "diff"}
		for i := range 6 {
			var expr string
			switch g.pick(5) {
			case 0:
				expr = part()
			case 4:
				// An imported row condition: null where it does not hold.
				if g.pick(2) == 0 {
					expr = "(" + part() + ") ? (" + part() + ") : dyn(null)"
				} else {
					expr = "(" + part() + ") ? dyn(null) : (" + part() + ")"
				}
			case 1:
				expr = "(" + part() + ") && (" + part() + ")"
			case 2:
				expr = "(" + part() + ") || !(" + part() + ")"
			default:
				expr = "(" + part() + ") ? (" + part() + ") : (" + g.boolExpr(1) + ")"
			}
			rs.Rules = append(rs.Rules, rules.Rule{Name: fmt.Sprint("r", i), Expr: expr, Nulls: policies[g.pick(3)]})
		}
		auto, err := rs.Compile(diffSchema)
		if err != nil {
			continue // a generated mix CEL rejects
		}
		interp, err := rs.Compile(diffSchema, rules.WithEngine(rules.EngineInterpreter))
		require.NoError(t, err)
		batch := g.batch(mem, 1+g.pick(200))
		got, err := auto.NewRun().Eval(context.Background(), batch)
		require.NoError(t, err)
		want, err := interp.NewRun().Eval(context.Background(), batch)
		require.NoError(t, err)
		lean, err := auto.NewRun(rules.WithoutOutcomes()).Eval(context.Background(), batch)
		require.NoError(t, err)
		require.Nil(t, lean.Outcomes)
		for i, r := range auto.RowRules() {
			for row, o := range want.Outcomes[i] {
				failed := o == rules.Fail || o == rules.Errored
				require.Equal(t, failed, got.FailingRow(i, row), "seed %d: rule %s row %d", seed, r.Name, row)
				require.Equal(t, failed, lean.FailingRow(i, row), "seed %d: rule %s row %d without outcomes", seed, r.Name, row)
			}
			require.Equal(t, want.Counts[i], lean.Counts[i], "seed %d: rule %s without outcomes", seed, r.Name)
			require.Equal(t, want.ErrorKinds[i], lean.ErrorKinds[i], "seed %d: rule %s without outcomes", seed, r.Name)
		}
		for i, r := range auto.RowRules() {
			msg := fmt.Sprintf("seed %d: rule %s: %s (nulls: %s, rows %d)", seed, r.Name, r.Expr, r.Nulls, batch.NumRows())
			require.Equal(t, want.Outcomes[i], got.Outcomes[i], msg)
			require.Equal(t, want.ErrorKinds[i], got.ErrorKinds[i], msg)
			require.Equal(t, want.Counts[i], got.Counts[i], msg)
			switch r.Engine {
			case rules.EngineVectorized:
				shared++
			case rules.EngineMixed:
				mixed++
			}
		}
		batch.Release()
	}
	t.Logf("%d rules vectorized and %d mixed in %d generated rule sets", shared, mixed, n)
	assert.Greater(t, shared, n)
	assert.Positive(t, mixed)
}

func TestDifferential(t *testing.T) {
	mem := arrowtest.Allocator(t)
	n := 3000
	if testing.Short() {
		n = 300
	}
	vectorized := 0
	for seed := range uint64(n) {
		if diffCase(t, mem, seed) {
			vectorized++
		}
	}
	t.Logf("%d of %d generated rules ran on the vectorized engine, whole or mixed", vectorized, n)
	assert.Greater(t, vectorized, n/2, "most generated rules are in the subset")
}

func FuzzDifferential(f *testing.F) {
	for _, s := range []uint64{0, 1, 2, 42, 1 << 40} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		mem := arrowtest.Allocator(t)
		diffCase(t, mem, seed)
	})
}

// TestSubset pins which expressions run vectorized, and checks each against
// the interpreter on a few batches.
func TestSubset(t *testing.T) {
	tests := []struct {
		expr       string
		vectorized bool
	}{
		{"i1 < 3 && f1 >= 0.5", true},
		{"f1 > i1 || !(i2 != 7)", true},
		{"f1 < 1.0 && false", true}, // NaN and null rows: error && false is false
		{"f1 < 1.0 || true", true},
		{"false && f1 < 1.0", true},
		{"i1 <= -1 && i2 >= 9223372036854775807", true},
		{"f1 == 2.5 || f2 != 0.0", true},
		{"s1 in ['a', 'ab', '日本']", true},
		{"s2 in ['a', 'b'] && s3 in []", true},
		{"i1 in [1, 2, 3]", true},
		{"s1 == 'a' || 'b' != s2", true},
		{"s4.startsWith('a') && s2.endsWith('本') || s3.contains('b')", true},
		{"size(s1) > 1 && s2.size() <= 2", true},
		{"i1 == null || s2 != null", true},
		{"null == f1", true},
		{"i1 + 1 > 2", true},
		{"n8 * n16 - n32 <= i1 / i2 && g1 + f1 > f2 * 0.5", true},
		{"i1 % 2 == 0 || i1 * 9223372036854775807 > 0", true},
		{"f1 / 0.0 > 1.0", true},
		{"b1 && !b2 || (b1 == true) != (b2 != (i1 > 2))", true},
		{"b1 == b2", true},
		{"b1 == null", true},
		{"i1 + 1 in [1, 2]", true},
		{"i1 + 1u > 2u", false},
		{"(i1 > 2) == (f1 < 1.0 || s1 == 'a')", true},
		{"(i1 > 2) != s1.startsWith('a')", true},
		{"s1.matches('^a')", true},
		{"matches(s2.lowerAscii(), '^a')", true},
		{"s1.matches(s4)", false},
		{"i1 in [1, 2.0]", true},
		{"f1 in [1, 2.5, 9007199254740993]", true},
		{"s3.upperAscii() in ['ABC', 'A'] && s1.lowerAscii().startsWith('a')", true},
		{"size(s2.lowerAscii()) == 2 || is_email(s4.lowerAscii())", true},
		{"t1 < timestamp('2024-01-01T00:00:00Z') || t3 >= t4", true},
		{"t2 - t5 > duration('1h') && d1 + d2 != d3", true},
		{"(t6 + d3).getHours('Asia/Kolkata') == 5 || t1.getDayOfWeek() in [0, 6]", true},
		{"t4.getFullYear('+05:30') > 2000 && d2.getMinutes() < 10", true},
		{"t1.getHours('No/Such_Zone') == 1", false},
		{"int(t1) > 0 && int(d1) % 2 == 0 && int(f1) == 3 && double(i1) < 1.5", true},
		{"int(s1) > 3 || double(s2.upperAscii()) < 0.5", true},
		{"t1 == null || d1 != null", true},
		{"s1.trim() == 'a'", false},
		{"s1 == s4", true},
		{"f1 < 1u", false},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			for seed := range uint64(20) {
				g := gen{r: rand.New(rand.NewPCG(seed, 99))}
				got := diffExpr(t, mem, g, seed, tt.expr)
				assert.Equal(t, tt.vectorized, got)
			}
		})
	}
}

package engine

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
)

// Timestamps are held as the pair (Unix seconds, nanoseconds in
// [0, 1e9)) that time.Time's Unix and Nanosecond methods return, and
// durations as int64 nanoseconds, as cel-go's types.Duration holds them.

const (
	nanosPerSec = int64(time.Second)
	// unixToInternal is time's offset from Unix seconds to its internal
	// seconds (since year 1); time.Time compares the internal seconds, which
	// wrap for Unix seconds near MaxInt64.
	unixToInternal int64 = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 86400
	// The range cel-go's timestamp arithmetic accepts (0001-01-01 to
	// 9999-12-31T23:59:59.999999999Z).
	minUnixTime int64 = -62135596800
	maxUnixTime int64 = 253402300799
)

type timeKind uint8

const (
	kindTimestamp timeKind = iota
	kindDuration
)

// timeOperand is a timestamp or duration operand: a literal, a column, or
// the sum or difference of two operands.
type timeOperand struct {
	kind    timeKind
	isConst bool
	// literal: Unix seconds and nanoseconds of a timestamp; nanoseconds of
	// a duration in sec.
	sec, nsec int64
	slot      int
	dt        arrow.DataType // of the column
	// arithmetic: l op r, when l is set.
	op   arithOp
	l, r *timeOperand
}

// timeView is a time operand bound to a batch. Rows marked in errs are
// evaluation errors; nulls are null values.
type timeView struct {
	kind      timeKind
	isConst   bool
	csec, cns int64
	sec       []int64 // timestamps: Unix seconds; durations: nanoseconds
	nsec      []int32 // timestamps only
	nulls     []uint64
	errs      []uint64
}

func (v *timeView) at(i int) (sec, nsec int64) {
	if v.isConst {
		return v.csec, v.cns
	}
	if v.nsec == nil {
		return v.sec[i], 0
	}
	return v.sec[i], int64(v.nsec[i])
}

func (v *timeView) null(i int) bool { return v.nulls != nil && getBit(v.nulls, i) }

func (v *timeView) bad(i int) bool {
	return v.null(i) || (v.errs != nil && getBit(v.errs, i))
}

// bindTemporal binds a timestamp, date or duration array: c.i64 holds its
// raw values, which the compiled operand reads with the column's unit.
func bindTemporal(c *column, arr arrow.Array) bool {
	switch a := arr.(type) {
	case *array.Timestamp:
		c.i64 = widenRaw(a.TimestampValues())
	case *array.Duration:
		c.i64 = widenRaw(a.DurationValues())
	case *array.Date32:
		c.i64 = widenRaw(a.Date32Values())
	case *array.Date64:
		c.i64 = widenRaw(a.Date64Values())
	default:
		return false
	}
	return true
}

func widenRaw[T ~int32 | ~int64](xs []T) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}

func isTemporalType(dt arrow.DataType) (timeKind, bool) {
	switch dt.ID() {
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return kindTimestamp, true
	case arrow.DURATION:
		return kindDuration, true
	}
	return 0, false
}

// floorDiv splits x into q*d + r with 0 <= r < d.
func floorDiv(x, d int64) (q, r int64) {
	q, r = x/d, x%d
	if r < 0 {
		q--
		r += d
	}
	return q, r
}

// bind reads the operand on the batch exactly as the interpreter's column
// reader does: arrow's Timestamp.ToTime (UTC, whatever the type's zone),
// Date32.ToTime, Date64.ToTime (whole days, truncated toward zero), and
// duration values times the unit's multiplier (wrapping as int64 does).
func (o *timeOperand) bind(b *batch) timeView {
	if o.isConst {
		return timeView{kind: o.kind, isConst: true, csec: o.sec, cns: o.nsec}
	}
	if o.l != nil {
		return o.bindArith(b)
	}
	c := b.cols[o.slot]
	raw := c.i64[:b.n]
	v := timeView{kind: o.kind, nulls: c.nulls, sec: make([]int64, b.n)}
	switch dt := o.dt.(type) {
	case *arrow.DurationType:
		m := int64(dt.Unit.Multiplier())
		for i, x := range raw {
			v.sec[i] = x * m
		}
		return v
	case *arrow.Date32Type:
		for i, x := range raw {
			v.sec[i] = x * 86400
		}
		return v
	case *arrow.Date64Type:
		for i, x := range raw {
			v.sec[i] = x / 86400000 * 86400
		}
		return v
	case *arrow.TimestampType:
		if dt.Unit == arrow.Second {
			copy(v.sec, raw)
			return v
		}
		per := int64(1000)
		switch dt.Unit {
		case arrow.Microsecond:
			per = 1000000
		case arrow.Nanosecond:
			per = nanosPerSec
		}
		scale := nanosPerSec / per
		v.nsec = make([]int32, b.n)
		for i, x := range raw {
			s, r := floorDiv(x, per)
			v.sec[i], v.nsec[i] = s, int32(r*scale)
		}
	}
	return v
}

// cmpTime orders two timestamps as time.Time.Compare does.
func cmpTime(s1, n1, s2, n2 int64) int {
	if c := cmpInt(s1+unixToInternal, s2+unixToInternal); c != 0 {
		return c
	}
	return cmpInt(n1, n2)
}

// addTimeDuration is cel-go's addTimeDurationChecked on (seconds, nanos).
func addTimeDuration(sec1, nsec1, d int64) (sec, nsec int64, ok bool) {
	sec, ok = intArith(opAdd, sec1, d/nanosPerSec)
	if !ok {
		return 0, 0, false
	}
	nsec = nsec1 + d%nanosPerSec
	if nsec < 0 || nsec >= nanosPerSec {
		if sec, ok = intArith(opAdd, sec, nsec/nanosPerSec); !ok {
			return 0, 0, false
		}
		nsec -= nsec / nanosPerSec * nanosPerSec
		if nsec < 0 {
			if sec, ok = intArith(opAdd, sec, -1); !ok {
				return 0, 0, false
			}
			nsec += nanosPerSec
		}
	}
	if sec < minUnixTime || sec > maxUnixTime {
		return 0, 0, false
	}
	return sec, nsec, true
}

// subTimes is cel-go's subtractTimeChecked on (seconds, nanos).
func subTimes(s1, n1, s2, n2 int64) (int64, bool) {
	sec, ok := intArith(opSub, s1, s2)
	if !ok {
		return 0, false
	}
	tsec, ok := intArith(opMul, sec, nanosPerSec)
	if !ok {
		return 0, false
	}
	return intArith(opAdd, tsec, n1-n2)
}

// bindArith evaluates timestamp ± duration, timestamp − timestamp and
// duration ± duration with cel-go's overflow checks; a null or erroring
// input row is an error.
func (o *timeOperand) bindArith(b *batch) timeView {
	l, r := o.l.bind(b), o.r.bind(b)
	out := timeView{kind: o.kind, sec: make([]int64, b.n), errs: b.bits()}
	if o.kind == kindTimestamp {
		out.nsec = make([]int32, b.n)
	}
	for i := range b.n {
		if l.bad(i) || r.bad(i) {
			setBit(out.errs, i)
			continue
		}
		ls, ln := l.at(i)
		rs, rn := r.at(i)
		var ok bool
		switch {
		case l.kind == kindDuration && r.kind == kindDuration:
			out.sec[i], ok = intArith(o.op, ls, rs)
		case l.kind == kindTimestamp && r.kind == kindTimestamp:
			out.sec[i], ok = subTimes(ls, ln, rs, rn)
		default:
			ts, tn, d := ls, ln, rs
			if l.kind == kindDuration {
				ts, tn, d = rs, rn, ls
			}
			if o.op == opSub {
				if d == math.MinInt64 {
					break
				}
				d = -d
			}
			var s, n int64
			if s, n, ok = addTimeDuration(ts, tn, d); ok {
				out.sec[i], out.nsec[i] = s, int32(n)
			}
		}
		if !ok {
			setBit(out.errs, i)
		}
	}
	return out
}

// timeArithOps maps the overload ids of temporal arithmetic to the
// operator and the result kind.
var timeArithOps = map[string]struct {
	op   arithOp
	kind timeKind
}{
	"add_timestamp_duration":       {opAdd, kindTimestamp},
	"add_duration_timestamp":       {opAdd, kindTimestamp},
	"subtract_timestamp_duration":  {opSub, kindTimestamp},
	"subtract_timestamp_timestamp": {opSub, kindDuration},
	"add_duration_duration":        {opAdd, kindDuration},
	"subtract_duration_duration":   {opSub, kindDuration},
}

// isTemporalExpr reports whether the checker typed e a timestamp or a
// duration.
func (c *compiler) isTemporalExpr(e celast.Expr) bool {
	switch c.a.GetType(e.ID()).Kind() {
	case types.TimestampKind, types.DurationKind:
		return true
	}
	return false
}

// temporal compiles a timestamp or duration operand.
func (c *compiler) temporal(e celast.Expr) (*timeOperand, error) {
	switch e.Kind() {
	case celast.IdentKind:
		slot, dt, err := c.column(e)
		if err != nil {
			return nil, err
		}
		k, ok := isTemporalType(dt)
		if !ok {
			return nil, refuse("column of type %s used as a timestamp or duration", dt)
		}
		return &timeOperand{kind: k, slot: slot, dt: dt}, nil
	case celast.CallKind:
		id, err := c.overload(e)
		if err != nil {
			return nil, err
		}
		args := e.AsCall().Args()
		if a, ok := timeArithOps[id]; ok {
			if len(args) != 2 {
				return nil, refuse("%s with %d arguments", id, len(args))
			}
			l, err := c.temporal(args[0])
			if err != nil {
				return nil, err
			}
			r, err := c.temporal(args[1])
			if err != nil {
				return nil, err
			}
			return &timeOperand{kind: a.kind, op: a.op, l: l, r: r}, nil
		}
		if len(args) != 1 || e.AsCall().IsMemberFunction() || args[0].Kind() != celast.LiteralKind {
			return nil, refuse("overload %s as a timestamp or duration", id)
		}
		// timestamp('…'), duration('…'), timestamp(int) on a literal, also
		// the form cel-go's constant folding writes: converted once, by
		// cel-go's own conversion.
		var v any
		switch id {
		case "string_to_timestamp", "int64_to_timestamp":
			v = args[0].AsLiteral().ConvertToType(types.TimestampType)
		case "string_to_duration":
			v = args[0].AsLiteral().ConvertToType(types.DurationType)
		default:
			return nil, refuse("overload %s as a timestamp or duration", id)
		}
		switch x := v.(type) {
		case types.Timestamp:
			return &timeOperand{kind: kindTimestamp, isConst: true, sec: x.Unix(), nsec: int64(x.Nanosecond())}, nil
		case types.Duration:
			return &timeOperand{kind: kindDuration, isConst: true, sec: int64(x.Duration)}, nil
		}
		return nil, refuse("%s of an invalid literal", id)
	}
	return nil, refuse("%v expression as a timestamp or duration", e.Kind())
}

// timeCmpOps maps the ordering overloads of timestamps and durations.
var timeCmpOps = map[string]cmpOp{
	"less_timestamp":           opLT,
	"less_duration":            opLT,
	"less_equals_timestamp":    opLE,
	"less_equals_duration":     opLE,
	"greater_timestamp":        opGT,
	"greater_duration":         opGT,
	"greater_equals_timestamp": opGE,
	"greater_equals_duration":  opGE,
}

// timeOrdering compiles <, <=, >, >= between timestamps or durations; ok
// is false for other overloads.
func (c *compiler) timeOrdering(id string, args []celast.Expr) (n boolNode, ok bool, err error) {
	op, found := timeCmpOps[id]
	if !found {
		return nil, false, nil
	}
	if len(args) != 2 {
		return nil, true, refuse("%s with %d arguments", id, len(args))
	}
	n, err = c.timeCompare(op, args[0], args[1])
	return n, true, err
}

// timeCompare compiles a comparison of two timestamps or two durations.
func (c *compiler) timeCompare(op cmpOp, l, r celast.Expr) (boolNode, error) {
	lo, err := c.temporal(l)
	if err != nil {
		return nil, err
	}
	ro, err := c.temporal(r)
	if err != nil {
		return nil, err
	}
	if lo.kind != ro.kind {
		return nil, refuse("comparison of a timestamp with a duration")
	}
	return &timeCmpNode{op: op, l: lo, r: ro}, nil
}

// timeCmpNode compares two time operands: a null equals only null, and an
// ordering of a null is an error, as for numbers.
type timeCmpNode struct {
	op   cmpOp
	l, r *timeOperand
}

func (n *timeCmpNode) eval(b *batch) ([]uint64, []uint64) {
	switch {
	case n.r.isConst && n.l.isColumn():
		return evalTimeConst(b, n.op, n.l, n.r)
	case n.l.isConst && n.r.isColumn():
		return evalTimeConst(b, n.op.flip(), n.r, n.l)
	}
	l, r := n.l.bind(b), n.r.bind(b)
	v, e := b.bits(), b.bits()
	eq := n.op == opEQ || n.op == opNE
	for i := range b.n {
		if (l.errs != nil && getBit(l.errs, i)) || (r.errs != nil && getBit(r.errs, i)) {
			setBit(e, i)
			continue
		}
		ln, rn := l.null(i), r.null(i)
		if ln || rn {
			if !eq {
				setBit(e, i)
			} else if (ln && rn) == (n.op == opEQ) {
				setBit(v, i)
			}
			continue
		}
		ls, lns := l.at(i)
		rs, rns := r.at(i)
		var c int
		if n.l.kind == kindTimestamp {
			c = cmpTime(ls, lns, rs, rns)
		} else {
			c = cmpInt(ls, rs)
		}
		if n.op.holds(c) {
			setBit(v, i)
		}
	}
	return v, e
}

func (o *timeOperand) isColumn() bool { return !o.isConst && o.l == nil }

// flip returns the operator with its operands swapped.
func (op cmpOp) flip() cmpOp {
	switch op {
	case opLT:
		return opGT
	case opLE:
		return opGE
	case opGT:
		return opLT
	case opGE:
		return opLE
	}
	return op
}

// evalTimeConst compares a column with a literal without materializing
// the column's times: timestamps of ms, us and ns units are compared in the
// column's raw unit (the literal placed between two raw values when it is
// finer than the unit), others row by row on the converted value.
func evalTimeConst(b *batch, op cmpOp, col, k *timeOperand) ([]uint64, []uint64) {
	c := b.cols[col.slot]
	raw := c.i64[:b.n]
	v, e := b.bits(), b.bits()
	var holds [3]uint64 // by comparison result + 1
	for i, r := range []int{-1, 0, 1} {
		holds[i] = b2u(op.holds(r))
	}
	switch dt := col.dt.(type) {
	case *arrow.TimestampType:
		var per int64
		switch dt.Unit {
		case arrow.Second:
			// Go orders times by internal seconds, which wrap near MaxInt64.
			ks := k.sec + unixToInternal
			for i, x := range raw {
				r := cmpInt(x+unixToInternal, ks)
				if r == 0 && k.nsec != 0 {
					r = -1
				}
				v[i>>6] |= holds[r+1] << (i & 63)
			}
			applyNulls(op, c.nulls, v, e)
			return v, e
		case arrow.Millisecond:
			per = 1000
		case arrow.Microsecond:
			per = 1000000
		default:
			per = nanosPerSec
		}
		scale := nanosPerSec / per
		kraw, rem, side := rawBound(k.sec, k.nsec, per, scale)
		for i, x := range raw {
			r := side
			if side == 0 {
				r = cmpInt(x, kraw)
				if r == 0 && rem {
					r = -1
				}
			}
			v[i>>6] |= holds[r+1] << (i & 63)
		}
	default:
		// date32, date64 and durations: convert each value.
		view := col.bind(b)
		for i := range raw {
			s, ns := view.at(i)
			var r int
			if col.kind == kindTimestamp {
				r = cmpTime(s, ns, k.sec, k.nsec)
			} else {
				r = cmpInt(s, k.sec)
			}
			v[i>>6] |= holds[r+1] << (i & 63)
		}
	}
	applyNulls(op, c.nulls, v, e)
	return v, e
}

// rawBound places the time (sec, nsec) on the raw axis of a unit with per
// values a second (scale nanoseconds each): the raw value kraw at or just
// below it, rem when it lies strictly between kraw and kraw+1, and side -1
// (every raw value is below it) or 1 (above) when it is off the int64 axis.
func rawBound(sec, nsec, per, scale int64) (kraw int64, rem bool, side int) {
	hi, ok := intArith(opMul, sec, per)
	if !ok {
		if sec > 0 {
			return 0, false, -1
		}
		return 0, false, 1
	}
	kraw, ok = intArith(opAdd, hi, nsec/scale)
	if !ok {
		return 0, false, -1
	}
	return kraw, nsec%scale != 0, 0
}

// timeGetters maps the getter overloads on timestamps (with and without a
// time zone argument) and durations to their value on a time or duration.
var (
	timestampGetters = map[string]func(time.Time) int64{
		"timestamp_to_year":                 func(t time.Time) int64 { return int64(t.Year()) },
		"timestamp_to_month":                func(t time.Time) int64 { return int64(t.Month() - 1) },
		"timestamp_to_day_of_year":          func(t time.Time) int64 { return int64(t.YearDay() - 1) },
		"timestamp_to_day_of_month":         func(t time.Time) int64 { return int64(t.Day() - 1) },
		"timestamp_to_day_of_month_1_based": func(t time.Time) int64 { return int64(t.Day()) },
		"timestamp_to_day_of_week":          func(t time.Time) int64 { return int64(t.Weekday()) },
		"timestamp_to_hours":                func(t time.Time) int64 { return int64(t.Hour()) },
		"timestamp_to_minutes":              func(t time.Time) int64 { return int64(t.Minute()) },
		"timestamp_to_seconds":              func(t time.Time) int64 { return int64(t.Second()) },
		"timestamp_to_milliseconds":         func(t time.Time) int64 { return int64(t.Nanosecond() / 1000000) },
	}
	// timestampGettersTz maps the overloads with a time zone argument to
	// the overload without.
	timestampGettersTz = map[string]string{
		"timestamp_to_year_with_tz":                 "timestamp_to_year",
		"timestamp_to_month_with_tz":                "timestamp_to_month",
		"timestamp_to_day_of_year_with_tz":          "timestamp_to_day_of_year",
		"timestamp_to_day_of_month_with_tz":         "timestamp_to_day_of_month",
		"timestamp_to_day_of_month_1_based_with_tz": "timestamp_to_day_of_month_1_based",
		"timestamp_to_day_of_week_with_tz":          "timestamp_to_day_of_week",
		"timestamp_to_hours_with_tz":                "timestamp_to_hours",
		"timestamp_to_minutes_with_tz":              "timestamp_to_minutes",
		"timestamp_to_seconds_tz":                   "timestamp_to_seconds",
		"timestamp_to_milliseconds_with_tz":         "timestamp_to_milliseconds",
	}
	durationGetters = map[string]func(time.Duration) int64{
		"duration_to_hours":        func(d time.Duration) int64 { return int64(d.Hours()) },
		"duration_to_minutes":      func(d time.Duration) int64 { return int64(d.Minutes()) },
		"duration_to_seconds":      func(d time.Duration) int64 { return int64(d.Seconds()) },
		"duration_to_milliseconds": func(d time.Duration) int64 { return d.Milliseconds() },
		"duration_to_int64":        func(d time.Duration) int64 { return int64(d) },
	}
)

// timeZone parses a time zone argument as cel-go's stdlib does: an IANA
// name (time.LoadLocation) or a [+-]hh:mm offset. An argument cel-go would
// reject is refused (every row is then an error on the interpreter).
func timeZone(val string) (*time.Location, error) {
	ind := strings.Index(val, ":")
	if ind == -1 {
		loc, err := time.LoadLocation(val)
		if err != nil {
			return nil, refuse("time zone %q: %v", val, err)
		}
		return loc, nil
	}
	hr, err := strconv.Atoi(val[0:ind])
	if err != nil {
		return nil, refuse("time zone %q", val)
	}
	mins, err := strconv.Atoi(val[ind+1:])
	if err != nil || hr < -23 || hr > 23 || mins < 0 || mins > 59 {
		return nil, refuse("time zone %q", val)
	}
	offset := hr*60 + mins
	if val[0] == '-' {
		offset = hr*60 - mins
	}
	return time.FixedZone("", int((time.Duration(offset) * time.Minute).Seconds())), nil
}

// timeGetter compiles the getters on a timestamp or duration operand and
// int(timestamp) and int(duration); ok is false for other overloads.
func (c *compiler) timeGetter(id string, e celast.Expr) (n *numOperand, ok bool, err error) {
	call := e.AsCall()
	args := call.Args()
	target := call.Target()
	if !call.IsMemberFunction() {
		// int(timestamp), int(duration).
		if id != "timestamp_to_int64" && id != "duration_to_int64" || len(args) != 1 {
			return nil, false, nil
		}
		target, args = args[0], nil
	}
	if id == "timestamp_to_int64" {
		ts, err := c.temporal(target)
		if err != nil {
			return nil, true, err
		}
		return &numOperand{kind: kindInt, leaf: &unixLeaf{ts: ts}}, true, nil
	}
	if f, found := durationGetters[id]; found && len(args) == 0 {
		d, err := c.temporal(target)
		if err != nil {
			return nil, true, err
		}
		return &numOperand{kind: kindInt, leaf: &durGetLeaf{d: d, get: f}}, true, nil
	}
	loc := time.UTC
	if base, found := timestampGettersTz[id]; found {
		if len(args) != 1 {
			return nil, true, refuse("%s with %d arguments", id, len(args))
		}
		tz, isLit := stringLiteral(args[0])
		if !isLit {
			return nil, true, refuse("%s with a non-literal time zone", id)
		}
		if loc, err = timeZone(tz); err != nil {
			return nil, true, err
		}
		id, args = base, nil
	}
	f, found := timestampGetters[id]
	if !found || len(args) != 0 {
		return nil, false, nil
	}
	ts, err := c.temporal(target)
	if err != nil {
		return nil, true, err
	}
	if ts.kind != kindTimestamp {
		return nil, true, refuse("%s of a duration", id)
	}
	return &numOperand{kind: kindInt, leaf: &tsGetLeaf{ts: ts, loc: loc, get: f}}, true, nil
}

// numLeaf is an int or double operand computed by a kernel outside
// kernels.go: a getter, a cast. Its view folds nulls into errors (no
// overload takes null).
type numLeaf interface {
	bind(b *batch) numView
}

// errView returns the int view of a leaf whose input view is t: errs marks
// rows where t is null or an error.
func errView(b *batch, t *timeView) numView {
	errs := b.bits()
	if t.nulls != nil {
		copy(errs, t.nulls)
	}
	if t.errs != nil {
		for i := range errs {
			errs[i] |= t.errs[i]
		}
	}
	return numView{kind: kindInt, i64: make([]int64, b.n), errs: errs}
}

// tsGetLeaf is a timestamp getter in a time zone: the time is rebuilt as
// the interpreter holds it and asked, so calendars and zone rules agree.
type tsGetLeaf struct {
	ts  *timeOperand
	loc *time.Location
	get func(time.Time) int64
}

func (l *tsGetLeaf) bind(b *batch) numView {
	t := l.ts.bind(b)
	out := errView(b, &t)
	for i := range b.n {
		if !getBit(out.errs, i) {
			s, ns := t.at(i)
			out.i64[i] = l.get(time.Unix(s, ns).In(l.loc))
		}
	}
	return out
}

// unixLeaf is int(timestamp): Unix seconds.
type unixLeaf struct{ ts *timeOperand }

func (l *unixLeaf) bind(b *batch) numView {
	t := l.ts.bind(b)
	out := errView(b, &t)
	for i := range b.n {
		if !getBit(out.errs, i) {
			out.i64[i], _ = t.at(i)
		}
	}
	return out
}

// durGetLeaf is a duration getter or int(duration).
type durGetLeaf struct {
	d   *timeOperand
	get func(time.Duration) int64
}

func (l *durGetLeaf) bind(b *batch) numView {
	t := l.d.bind(b)
	out := errView(b, &t)
	for i := range b.n {
		if !getBit(out.errs, i) {
			d, _ := t.at(i)
			out.i64[i] = l.get(time.Duration(d))
		}
	}
	return out
}

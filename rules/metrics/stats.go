package metrics

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// StatsUpdater is implemented by the states that exact statistics of a
// chunk of rows answer without its values: null_count and completeness
// (rows and nulls), min and max (the chunk's smallest and largest non-null
// value).
//
// UpdateStats folds one chunk in. min and max are in the Go forms of
// connectors.ColumnStats (int64, uint64, bool, string, []byte, time.Time)
// and may be nil only when every row of the chunk is null. A negative nulls
// means the count is unknown: null_count and completeness then refuse the
// chunk, min and max need its bounds. It returns false,
// and leaves the state as it was, when the statistics cannot answer the
// state exactly: a missing bound, a value of another type, a time that is
// not a whole unit of the column's type. Floats and decimals are never
// answered from statistics: writers disagree on NaN and -0 there.
type StatsUpdater interface {
	UpdateStats(rows, nulls int64, min, max any) bool
}

func (s *nullState) UpdateStats(rows, nulls int64, _, _ any) bool {
	if rows < 0 || nulls < 0 || nulls > rows {
		return false
	}
	s.rows += rows
	s.nulls += nulls
	return true
}

func (s *extremes[T]) UpdateStats(rows, nulls int64, min, max any) bool {
	if rows < 0 || nulls > rows {
		return false // a negative nulls is unknown: the bounds decide
	}
	if rows == nulls {
		return true // no value: nothing to fold
	}
	lo, ok1 := s.col.statDomain(min)
	hi, ok2 := s.col.statDomain(max)
	if !ok1 || !ok2 {
		return false
	}
	l, ok1 := lo.(T)
	h, ok2 := hi.(T)
	if !ok1 || !ok2 || h < l {
		return false
	}
	s.fold(l, h, false)
	return true
}

// statDomain converts a statistic to the value domain of the column's
// extremes, or reports that it cannot.
func (c column) statDomain(v any) (any, bool) {
	switch c.domain() {
	case domInt:
		switch c.kind {
		case kindInt:
			x, ok := v.(int64)
			return x, ok
		case kindTime:
			t, ok := v.(time.Time)
			if !ok {
				return nil, false
			}
			return timeUnits(c.value, t)
		}
	case domUint:
		switch c.kind {
		case kindUint:
			x, ok := v.(uint64)
			return x, ok
		case kindBool:
			b, ok := v.(bool)
			if !ok {
				return nil, false
			}
			if b {
				return uint64(1), true
			}
			return uint64(0), true
		}
	case domString:
		switch c.kind {
		case kindString:
			x, ok := v.(string)
			return x, ok
		case kindBinary:
			b, ok := v.([]byte)
			return string(b), ok
		}
	}
	return nil, false
}

// timeUnits returns t in the units of a date or timestamp type, when it is
// a whole number of them.
func timeUnits(dt arrow.DataType, t time.Time) (any, bool) {
	ns := t.UnixNano()
	if !t.Equal(time.Unix(0, ns)) {
		return nil, false // outside the nanosecond range
	}
	per := int64(0)
	switch dt := dt.(type) {
	case *arrow.Date32Type:
		per = 86400 * int64(time.Second)
	case *arrow.Date64Type:
		per = int64(time.Millisecond)
	case *arrow.TimestampType:
		per = int64(dt.Unit.Multiplier())
	default:
		return nil, false
	}
	if ns%per != 0 {
		return nil, false
	}
	return ns / per, true
}

package engine

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/cel-go/common/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// timeSamples are (Unix seconds, nanoseconds) pairs around the edges of
// CEL's timestamp range and of int64.
func timeSamples(r *rand.Rand) [][2]int64 {
	out := [][2]int64{{0, 0}, {-1, 999999999}, {minUnixTime, 0}, {maxUnixTime, 999999999},
		{maxUnixTime + 1, 0}, {minUnixTime - 1, 5}, {math.MaxInt64 - unixToInternal, 0},
		{math.MaxInt64, 0}, {math.MinInt64, 0}, {1700000000, 123456789}}
	for range 200 {
		out = append(out, [2]int64{r.Int64N(2*maxUnixTime) - maxUnixTime, r.Int64N(nanosPerSec)})
	}
	return out
}

var durationSamples = []int64{0, 1, -1, nanosPerSec, -nanosPerSec, math.MaxInt64, math.MinInt64,
	math.MaxInt64 - 1, 3 * 3600 * nanosPerSec, -999999999, 999999999, 1 << 62}

// TestTimeArithmeticMatchesCEL holds the (seconds, nanos) arithmetic to
// cel-go's own Timestamp and Duration methods.
func TestTimeArithmeticMatchesCEL(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ts := timeSamples(r)
	for _, x := range ts {
		tx := types.Timestamp{Time: time.Unix(x[0], x[1]).UTC()}
		for _, d := range durationSamples {
			for _, sub := range []bool{false, true} {
				var want any
				dv := types.Duration{Duration: time.Duration(d)}
				if sub {
					want = tx.Subtract(dv)
				} else {
					want = tx.Add(dv)
				}
				dd := d
				ok := true
				if sub {
					ok = d != math.MinInt64
					dd = -d
				}
				var s, n int64
				if ok {
					s, n, ok = addTimeDuration(x[0], x[1], dd)
				}
				got, isTs := want.(types.Timestamp)
				require.Equal(t, isTs, ok, "%v %v (sub %v)", x, d, sub)
				if ok {
					assert.Equal(t, got.Unix(), s)
					assert.Equal(t, int64(got.Nanosecond()), n)
				}
			}
		}
		for _, y := range ts[:20] {
			want := tx.Subtract(types.Timestamp{Time: time.Unix(y[0], y[1]).UTC()})
			got, ok := subTimes(x[0], x[1], y[0], y[1])
			d, isDur := want.(types.Duration)
			require.Equal(t, isDur, ok, "%v - %v", x, y)
			if ok {
				assert.Equal(t, int64(d.Duration), got)
			}
			c := tx.Compare(types.Timestamp{Time: time.Unix(y[0], y[1]).UTC()}).(types.Int)
			assert.Equal(t, int(c), cmpTime(x[0], x[1], y[0], y[1]), "%v <=> %v", x, y)
		}
	}
}

func TestTimeZone(t *testing.T) {
	tests := []struct {
		tz     string
		offset int // seconds east of UTC at the Unix epoch
		ok     bool
	}{
		{"UTC", 0, true},
		{"", 0, true},
		{"+05:30", 5*3600 + 30*60, true},
		{"-08:00", -8 * 3600, true},
		{"-00:30", -30 * 60, true},
		{"05:00", 5 * 3600, true},
		{"Asia/Kolkata", 5*3600 + 30*60, true},
		{"+24:00", 0, false},
		{"+05:60", 0, false},
		{"No/Such_Zone", 0, false},
		{"x:00", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.tz, func(t *testing.T) {
			loc, err := timeZone(tt.tz)
			if !tt.ok {
				assert.ErrorIs(t, err, ErrNotVectorizable)
				return
			}
			require.NoError(t, err)
			_, off := time.Unix(0, 0).In(loc).Zone()
			assert.Equal(t, tt.offset, off)
		})
	}
}

func TestFloorDiv(t *testing.T) {
	for _, x := range []int64{0, 1, -1, 999, -999, 1000, -1000, -1001, math.MinInt64, math.MaxInt64} {
		q, r := floorDiv(x, 1000)
		assert.Equal(t, time.UnixMilli(x).Unix(), q, "%d", x)
		assert.Equal(t, int64(time.UnixMilli(x).Nanosecond()), r*1e6, "%d", x)
	}
}

// TestTimeConstComparison holds the raw-unit comparison of a column with a
// literal to time.Time's ordering of the values arrow's ToTime returns.
func TestTimeConstComparison(t *testing.T) {
	raws := []int64{0, 1, -1, 999, -999, 1000, -1001, 1700000000123456789, math.MaxInt64, math.MinInt64,
		math.MaxInt64 - unixToInternal, math.MaxInt64 - unixToInternal + 1, 253402300799, -62135596800}
	consts := [][2]int64{{0, 0}, {0, 1}, {-1, 999999999}, {1700000000, 123456789}, {1700000000, 123456000},
		{maxUnixTime, 999999999}, {minUnixTime, 0}, {1, 500000000}}
	units := []arrow.TimeUnit{arrow.Second, arrow.Millisecond, arrow.Microsecond, arrow.Nanosecond}
	for _, unit := range units {
		dt := &arrow.TimestampType{Unit: unit}
		b := &batch{n: len(raws), words: 1, cols: []*column{{i64: raws}}}
		col := &timeOperand{kind: kindTimestamp, slot: 0, dt: dt}
		for _, k := range consts {
			lit := &timeOperand{kind: kindTimestamp, isConst: true, sec: k[0], nsec: k[1]}
			kt := time.Unix(k[0], k[1])
			for op := opLT; op <= opNE; op++ {
				v, e := evalTimeConst(b, op, col, lit)
				for i, x := range raws {
					want := op.holds(arrow.Timestamp(x).ToTime(unit).Compare(kt))
					assert.Equal(t, want, getBit(v, i), "%s %d op %d %v", unit, x, op, k)
					assert.False(t, getBit(e, i))
				}
			}
		}
	}
}

package metrics

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/zeebo/xxh3"
)

// HyperLogLog parameters. With 2^14 registers the relative standard error
// of approx_distinct is 1.04/sqrt(2^14) ≈ 0.81%: about 99% of estimates are
// within ±2.1% of the true count, and small counts (up to a few hundred) are
// all but exact.
const (
	hllPrecision = 14
	hllRegisters = 1 << hllPrecision
	hllRankBits  = 64 - hllPrecision // q in Ertl's notation
)

// StdErrorApproxDistinct is the relative standard error of approx_distinct.
const StdErrorApproxDistinct = 1.04 / 128 // 1.04/sqrt(2^14)

// hll is the state of approx_distinct: a HyperLogLog sketch of 2^14
// one-byte registers over a fixed-seed 64-bit xxh3 hash, so that sketches
// built anywhere merge (register-wise maximum; the merge is exact, the
// merged sketch equals the one of all the data). The estimate uses Ertl's
// improved raw estimator ("New cardinality estimation algorithms for
// HyperLogLog sketches", 2017), which needs no bias tables and is unbiased
// from 0 to 2^64.
type hll struct {
	base
	col column
	reg [hllRegisters]uint8
}

func newHLL(b base, c column) State { return &hll{base: b, col: c} }

func (s *hll) insert(h uint64) {
	i := h >> hllRankBits
	// Rank of the first 1 bit in the low q bits, 1-based; q+1 when all zero.
	r := uint8(bits.TrailingZeros64(h|1<<hllRankBits) + 1)
	if r > s.reg[i] {
		s.reg[i] = r
	}
}

func hashUint(v uint64) uint64 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return xxh3.Hash(b[:])
}

func (s *hll) Update(cols []arrow.Array) error {
	if err := s.check(cols); err != nil {
		return err
	}
	arr := cols[0]
	switch s.col.domain() {
	case domInt:
		return eachInt(arr, false, func(vals []int64) {
			for _, v := range vals {
				s.insert(hashUint(uint64(v)))
			}
		})
	case domUint:
		return eachUint(arr, false, func(vals []uint64) {
			for _, v := range vals {
				s.insert(hashUint(v))
			}
		})
	case domFloat:
		return eachFloat(arr, false, func(vals []float64) {
			for _, v := range vals {
				s.insert(hashUint(canonicalFloat(v)))
			}
		})
	default:
		return eachString(arr, false, func(vals []string) {
			for _, v := range vals {
				s.insert(xxh3.HashString(v))
			}
		})
	}
}

func (s *hll) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	for i, r := range o.reg {
		if r > s.reg[i] {
			s.reg[i] = r
		}
	}
	return nil
}

func (s *hll) Result() (any, error) {
	return int64(math.Round(s.estimate())), nil
}

// estimate is Ertl's improved raw estimator (his Algorithm 6).
func (s *hll) estimate() float64 {
	var c [hllRankBits + 2]int
	for _, r := range s.reg {
		c[r]++
	}
	m := float64(hllRegisters)
	if c[0] == hllRegisters {
		return 0
	}
	z := m * hllTau(1-float64(c[hllRankBits+1])/m)
	for k := hllRankBits; k >= 1; k-- {
		z = 0.5 * (z + float64(c[k]))
	}
	z += m * hllSigma(float64(c[0])/m)
	return m * m / (2 * math.Ln2) / z
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += x * y
		y += y
		if z == prev {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == prev {
			return z / 3
		}
	}
}

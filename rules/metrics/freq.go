package metrics

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// freq is the state of distinct_count, unique_ratio, most_common and
// single-column duplicate_count: the exact count of every non-null value.
// Float values are keyed by their canonical bits (one NaN, -0 as 0).
//
// Counts live in a slice indexed through the map rather than as map values:
// assigning to an existing string key replaces the key with the new string,
// which would alias an Arrow buffer; a lookup does not.
type freq[K comparable] struct {
	base
	col    column
	index  map[K]int  // key → position in keys and counts
	words  *wordIndex // instead of index for int64 and uint64 keys
	keys   []K        // in order of first occurrence
	counts []int64
	// pending holds the values of a state with the word index that has
	// counted nothing yet, uncounted, up to maxPending: a batch's state is
	// then counted once, where it is merged (into the run's state), rather
	// than into a table of its own and again at the merge. They follow keys
	// in order of occurrence; settle counts them.
	pending []K
	each    func(arrow.Array, func([]K)) error
	less    func(a, b K) bool
	result  func(K) any
}

func newFreq(b base, c column) State {
	s := newFreqOf(b, c)
	switch f := s.(type) {
	case *freq[int64]:
		f.useWords()
	case *freq[uint64]:
		f.useWords()
	}
	return s
}

func newFreqOf(b base, c column) State {
	switch c.domain() {
	case domInt:
		return &freq[int64]{base: b, col: c, index: map[int64]int{},
			each:   func(a arrow.Array, fn func([]int64)) error { return eachInt(a, false, fn) },
			less:   func(x, y int64) bool { return x < y },
			result: c.fromInt}
	case domUint:
		return &freq[uint64]{base: b, col: c, index: map[uint64]int{},
			each:   func(a arrow.Array, fn func([]uint64)) error { return eachUint(a, false, fn) },
			less:   func(x, y uint64) bool { return x < y },
			result: c.fromUint}
	case domFloat:
		return &freq[uint64]{base: b, col: c, index: map[uint64]int{},
			each:   eachFloatBits,
			less:   floatBitsLess,
			result: func(v uint64) any { return math.Float64frombits(v) }}
	default:
		return &freq[string]{base: b, col: c, index: map[string]int{},
			each:   func(a arrow.Array, fn func([]string)) error { return eachString(a, false, fn) },
			less:   func(x, y string) bool { return x < y },
			result: c.fromString}
	}
}

// floatBitsLess orders canonical float bits by value; NaN sorts last.
func floatBitsLess(x, y uint64) bool {
	fx, fy := math.Float64frombits(x), math.Float64frombits(y)
	return fx < fy || fx == fx && fy != fy
}

// eachFloatBits hands the canonical bits of the non-null values to fn.
func eachFloatBits(arr arrow.Array, fn func([]uint64)) error {
	var buf []uint64
	return eachFloat(arr, false, func(vals []float64) {
		buf = buf[:0]
		for _, v := range vals {
			buf = append(buf, canonicalFloat(v))
		}
		fn(buf)
	})
}

func (s *freq[K]) Update(cols []arrow.Array) error {
	if err := s.check(cols); err != nil {
		return err
	}
	if d, ok := cols[0].(*array.Dictionary); ok {
		s.settle()
		if s.addDict(d) {
			return nil
		}
	}
	return s.each(cols[0], s.add)
}

// maxPending bounds the values a state holds uncounted (8 bytes each).
const maxPending = 1 << 20

// settle counts the pending values into keys and counts.
func (s *freq[K]) settle() {
	if len(s.pending) == 0 {
		return
	}
	p := s.pending
	s.pending = nil
	s.count(p)
}

// addDict counts a dictionary column per entry: the rows' indices are
// tallied, then each entry used is looked up once with its count. It
// applies when the dictionary is no longer than the column and holds no
// null (its values then come out of each aligned with the entries); false
// means nothing was counted.
func (s *freq[K]) addDict(d *array.Dictionary) bool {
	vals := d.Dictionary()
	if vals.NullN() > 0 || vals.Len() > d.Len() {
		return false
	}
	counts, ok := DictionaryCounts(d)
	if !ok {
		return false // an index out of range: each reports it
	}
	keys := make([]K, 0, vals.Len())
	if err := s.each(vals, func(ks []K) { keys = append(keys, ks...) }); err != nil || len(keys) != len(counts) {
		return false
	}
	_, alias := any(keys).([]string)
	for j, c := range counts {
		if c == 0 {
			continue
		}
		k := keys[j]
		if i, ok := s.lookup(k); ok {
			s.counts[i] += c
			continue
		}
		if alias {
			k = any(strings.Clone(any(k).(string))).(K) // it aliases an Arrow buffer
		}
		s.insert(k, c)
	}
	return true
}

// DictionaryCounts returns how many valid rows of d point at each entry
// of its dictionary (indexed like the dictionary); false when the index
// type is not an integer type or an index is out of range.
func DictionaryCounts(d *array.Dictionary) ([]int64, bool) {
	switch idx := d.Indices().(type) {
	case *array.Int8:
		return countIndex(idx.Int8Values(), d)
	case *array.Int16:
		return countIndex(idx.Int16Values(), d)
	case *array.Int32:
		return countIndex(idx.Int32Values(), d)
	case *array.Int64:
		return countIndex(idx.Int64Values(), d)
	case *array.Uint8:
		return countIndex(idx.Uint8Values(), d)
	case *array.Uint16:
		return countIndex(idx.Uint16Values(), d)
	case *array.Uint32:
		return countIndex(idx.Uint32Values(), d)
	case *array.Uint64:
		return countIndex(idx.Uint64Values(), d)
	}
	return nil, false
}

func countIndex[I index](idx []I, d *array.Dictionary) ([]int64, bool) {
	n := uint64(d.Dictionary().Len())
	counts := make([]int64, n)
	nulls := d.NullN() > 0
	bm, off := d.NullBitmapBytes(), d.Data().Offset()
	for i, k := range idx {
		if nulls && !bitutil.BitIsSet(bm, off+i) {
			continue
		}
		if uint64(k) >= n {
			return nil, false
		}
		counts[k]++
	}
	return counts, true
}

func (s *freq[K]) add(vals []K) {
	if s.words != nil && len(s.keys) == 0 && len(s.pending)+len(vals) <= maxPending {
		s.pending = append(s.pending, vals...)
		return
	}
	s.settle()
	s.count(vals)
}

// count counts vals into keys and counts.
func (s *freq[K]) count(vals []K) {
	if s.words != nil {
		switch vs := any(vals).(type) {
		case []int64:
			keys, counts := addWords(s.words, vs, any(s.keys).([]int64), s.counts)
			s.keys, s.counts = any(keys).([]K), counts
		case []uint64:
			keys, counts := addWords(s.words, vs, any(s.keys).([]uint64), s.counts)
			s.keys, s.counts = any(keys).([]K), counts
		}
		return
	}
	_, alias := any(vals).([]string)
	for _, v := range vals {
		if i, ok := s.index[v]; ok {
			s.counts[i]++
			continue
		}
		if alias {
			// The string aliases an Arrow buffer: keep a copy.
			v = any(strings.Clone(any(v).(string))).(K)
		}
		s.index[v] = len(s.keys)
		s.keys = append(s.keys, v)
		s.counts = append(s.counts, 1)
	}
}

// addWords counts vals into keys and counts through the word index.
func addWords[T int64 | uint64](x *wordIndex, vals, keys []T, counts []int64) ([]T, []int64) {
	return mergeWords(x, vals, nil, keys, counts)
}

// word is a 64-bit key as the word index holds it.
func word[K comparable](k K) uint64 {
	switch v := any(k).(type) {
	case int64:
		return uint64(v)
	case uint64:
		return v
	}
	panic("metrics: word index of a non-64-bit key") // guarded by useWords
}

// useWords switches a new, empty state to the word index when its keys are
// 64-bit integers.
func (s *freq[K]) useWords() {
	var k K
	switch any(k).(type) {
	case int64, uint64:
		s.words, s.index = newWordIndex(), nil
	}
}

// lookup returns the position of k.
func (s *freq[K]) lookup(k K) (int, bool) {
	if s.words != nil {
		return s.words.get(word(k))
	}
	i, ok := s.index[k]
	return i, ok
}

// insert records a new key k with count c.
func (s *freq[K]) insert(k K, c int64) {
	if s.words != nil {
		s.words.getOrPut(word(k), len(s.keys))
	} else {
		s.index[k] = len(s.keys)
	}
	s.keys = append(s.keys, k)
	s.counts = append(s.counts, c)
}

func (s *freq[K]) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	s.settle()
	if s.words != nil {
		// The table grows once, to the most keys the merge can make.
		s.words.reserve(len(s.keys) + len(o.keys) + len(o.pending))
		// One probe of the word index per key, with no per-key type switch;
		// o's pending values are counted here, once, and o is not changed.
		switch ok := any(o.keys).(type) {
		case []int64:
			keys, counts := mergeWords(s.words, ok, o.counts, any(s.keys).([]int64), s.counts)
			keys, counts = mergeWords(s.words, any(o.pending).([]int64), nil, keys, counts)
			s.keys, s.counts = any(keys).([]K), counts
			return nil
		case []uint64:
			keys, counts := mergeWords(s.words, ok, o.counts, any(s.keys).([]uint64), s.counts)
			keys, counts = mergeWords(s.words, any(o.pending).([]uint64), nil, keys, counts)
			s.keys, s.counts = any(keys).([]K), counts
			return nil
		}
	}
	for j, k := range o.keys {
		if i, ok := s.lookup(k); ok {
			s.counts[i] += o.counts[j]
			continue
		}
		s.insert(k, o.counts[j])
	}
	return nil
}

// mergeWords folds okeys, each counted ocounts[j] times (once each when
// ocounts is nil), into keys and counts through the word index.
func mergeWords[T int64 | uint64](x *wordIndex, okeys []T, ocounts []int64, keys []T, counts []int64) ([]T, []int64) {
	for j, v := range okeys {
		c := int64(1)
		if ocounts != nil {
			c = ocounts[j]
		}
		if i, added := x.getOrPut(uint64(v), len(keys)); added {
			keys = append(keys, v)
			counts = append(counts, c)
		} else {
			counts[i] += c
		}
	}
	return keys, counts
}

func (s *freq[K]) Result() (any, error) {
	s.settle()
	switch s.spec.Func {
	case "distinct_count":
		return int64(len(s.keys)), nil
	case "duplicate_count":
		var dup int64
		for _, c := range s.counts {
			if c > 1 {
				dup += c
			}
		}
		return dup, nil
	case "unique_ratio":
		var once, total int64
		for _, c := range s.counts {
			total += c
			if c == 1 {
				once++
			}
		}
		if total == 0 {
			return nil, nil
		}
		return float64(once) / float64(total), nil
	case "most_common":
		var best K
		var n int64
		for i, c := range s.counts {
			if k := s.keys[i]; c > n || c == n && s.less(k, best) {
				best, n = k, c
			}
		}
		if n == 0 {
			return nil, nil
		}
		return s.result(best), nil
	case "most_common_all":
		return s.mostCommonAll(), nil
	}
	return nil, fmt.Errorf("metrics: %s: no result: %w", s.name(), ErrUnsupported)
}

// dupState is the state of duplicate_count over two or more columns: the
// count of every row key, a byte encoding of the row's values (see
// appendKeyInt). Rows with a null in any key column are not counted.
type dupState struct {
	base
	cols   []column
	counts map[string]int64
}

// A row key of dupState is one field per key column, in column order: the
// 8 bytes little-endian of the value for the int and uint domains and of
// its canonical bits (canonicalFloat) for the float domain; for the string
// domain the length as a uvarint, then the bytes. The appendKeyX functions
// write a field and keyField reads one back; encoded states persist keys,
// so the two change together or not at all.

func appendKeyInt(key []byte, v int64) []byte {
	return binary.LittleEndian.AppendUint64(key, uint64(v))
}

func appendKeyUint(key []byte, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(key, v)
}

func appendKeyFloat(key []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(key, canonicalFloat(v))
}

func appendKeyString(key []byte, v string) []byte {
	key = binary.AppendUvarint(key, uint64(len(v)))
	return append(key, v...)
}

// keyField splits the first field, of domain d, off key: its 64-bit word
// (int, uint and float domains) or its string (string domain), and the
// rest of the key. It returns false when key does not start with a whole
// field of d, which only a corrupt encoded state can hold.
func keyField(key string, d domain) (word uint64, str, rest string, ok bool) {
	if d != domString {
		if len(key) < 8 {
			return 0, "", "", false
		}
		return binary.LittleEndian.Uint64([]byte(key[:8])), "", key[8:], true
	}
	n, w := binary.Uvarint([]byte(key[:min(len(key), binary.MaxVarintLen64)]))
	if w <= 0 || n > uint64(len(key)-w) {
		return 0, "", "", false
	}
	end := w + int(n)
	return 0, key[w:end], key[end:], true
}

// decodeKey returns the values of a row key of cols, one per column, as
// Result and most_common give values of those columns (time.Time for
// timestamps and dates, bool, []byte for binary, float64 for decimals). It
// returns false when key is not a whole key of cols.
func decodeKey(key string, cols []column) ([]any, bool) {
	vals := make([]any, len(cols))
	for i, c := range cols {
		w, str, rest, ok := keyField(key, c.domain())
		if !ok {
			return nil, false
		}
		switch c.domain() {
		case domInt:
			vals[i] = c.fromInt(int64(w))
		case domUint:
			vals[i] = c.fromUint(w)
		case domFloat:
			vals[i] = math.Float64frombits(w)
		default:
			vals[i] = c.fromString(str)
		}
		key = rest
	}
	return vals, key == ""
}

// validKey reports whether key is a whole row key of cols.
func validKey(key string, cols []column) bool {
	for _, c := range cols {
		_, _, rest, ok := keyField(key, c.domain())
		if !ok {
			return false
		}
		key = rest
	}
	return key == ""
}

// compareKeys orders row keys of cols column by column, each by value as
// freq orders that domain (numbers numerically with NaN last, strings and
// binary bytewise). Keys that do not decode compare bytewise, after every
// key that does.
func compareKeys(a, b string, cols []column) int {
	switch va, vb := validKey(a, cols), validKey(b, cols); {
	case va && vb:
	case va:
		return -1
	case vb:
		return 1
	default:
		return strings.Compare(a, b)
	}
	for _, c := range cols {
		d := c.domain()
		wa, sa, ra, _ := keyField(a, d)
		wb, sb, rb, _ := keyField(b, d)
		a, b = ra, rb
		var r int
		switch d {
		case domInt:
			r = compareOrdered(int64(wa), int64(wb))
		case domUint:
			r = compareOrdered(wa, wb)
		case domFloat:
			switch {
			case floatBitsLess(wa, wb):
				r = -1
			case floatBitsLess(wb, wa):
				r = 1
			}
		default:
			r = strings.Compare(sa, sb)
		}
		if r != 0 {
			return r
		}
	}
	return 0
}

func (s *dupState) Update(cols []arrow.Array) error {
	if err := s.check(cols); err != nil {
		return err
	}
	n := cols[0].Len()
	if n == 0 {
		return nil
	}
	keys := make([][]byte, n)
	skip := make([]bool, n)
	for ci, arr := range cols {
		valid, _ := validity(arr)
		for i, ok := range valid {
			if !ok {
				skip[i] = true
			}
		}
		row := 0
		var err error
		switch s.cols[ci].domain() {
		case domInt:
			err = eachInt(arr, true, func(vals []int64) {
				for _, v := range vals {
					keys[row] = appendKeyInt(keys[row], v)
					row++
				}
			})
		case domUint:
			err = eachUint(arr, true, func(vals []uint64) {
				for _, v := range vals {
					keys[row] = appendKeyUint(keys[row], v)
					row++
				}
			})
		case domFloat:
			err = eachFloat(arr, true, func(vals []float64) {
				for _, v := range vals {
					keys[row] = appendKeyFloat(keys[row], v)
					row++
				}
			})
		default:
			err = eachString(arr, true, func(vals []string) {
				for _, v := range vals {
					keys[row] = appendKeyString(keys[row], v)
					row++
				}
			})
		}
		if err != nil {
			return fmt.Errorf("metrics: %s: %w", s.name(), err)
		}
	}
	for i, k := range keys {
		if !skip[i] {
			s.counts[string(k)]++
		}
	}
	return nil
}

func (s *dupState) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	for k, c := range o.counts {
		s.counts[k] += c
	}
	return nil
}

func (s *dupState) Result() (any, error) {
	var dup int64
	for _, c := range s.counts {
		if c > 1 {
			dup += c
		}
	}
	return dup, nil
}

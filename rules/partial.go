package rules

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/rules/metrics"
)

// Partial is everything a run accumulates: the number of rows, per row
// rule the outcome counts, the error kinds (bounded) and the samples of
// failing rows (bounded), the counts of count_if and fraction_if, the
// value sets of missing_references and the metric states of the dataset
// checks.
//
// Partials of the same program merge (Merge) and encode (MarshalBinary), so
// the parts of a dataset can be evaluated anywhere — other goroutines,
// other machines, other days — and combined into the state one run over
// the whole dataset would have reached; Program.Finish evaluates the
// dataset checks on it.
//
// Merge is commutative and associative, exactly, for the row count, the
// outcome counts, the count_if counts, the value sets, the samples (the
// lowest row positions are kept, so batches must carry their global row
// offset: WithRowOffset) and the exact metric states. Error kinds are
// exact while a rule has at most MaxErrorKinds distinct kinds; beyond, the
// MaxErrorKinds kinds first in byte order are kept and the others counted
// under OtherErrorKind (the total is always exact). Sketch states
// (distinct_count's HyperLogLog, the quantile sketch) merge within their
// documented error bounds; order-sensitive states (metrics.OrderSensitive:
// order_violations) read the receiver as the rows before the argument.
//
// A Partial is not safe for concurrent use.
type Partial struct {
	partial
}

// partial is the accumulated state, shared by Run and Partial.
type partial struct {
	rows        int64
	sampleLimit int
	names       []string        // per Program.rowRules
	rules       []ruleAcc       // per Program.rowRules
	states      []metrics.State // per Program.metrics entry of kind metricState
	counts      []int64         // per Program.hidden: rows where it was true
	values      []map[any]int64 // per metricMissing entry: distinct values and counts
}

type ruleAcc struct {
	counts  OutcomeCounts
	errors  map[string]int64
	samples []Sample // by Row, at most sampleLimit
}

// Sample is a failing row of a row rule: its global position and what the
// run's SampleFunc recorded of it.
type Sample struct {
	// Row is the row's position in the dataset (WithRowOffset plus its
	// position in the batches the run evaluated).
	Row int64
	// Values and Key are what the SampleFunc returned: JSON-friendly
	// values (they are encoded as JSON, numbers decode as json.Number).
	Values map[string]any
	Key    map[string]any
}

// SampleFunc records the failing row of batch (borrowed for the call) for
// row rule i (Program.RowRules()[i]). It runs on the goroutine that
// evaluates the batch, possibly several at once, and must redact what must
// not be kept: the values become part of the Partial and its encoding.
type SampleFunc func(batch arrow.RecordBatch, rule, row int) (values, key map[string]any)

// WithSamples keeps, per row rule, the samples of the limit failing rows
// at the lowest row positions, recorded by fill.
func WithSamples(limit int, fill SampleFunc) RunOption {
	return func(c *runConfig) { c.sampleLimit, c.sampleFill = max(limit, 0), fill }
}

// WithRowOffset says the first row the run evaluates is row offset of the
// dataset (default 0): sample positions are global, so that merged
// Partials keep the same samples as one run over the whole dataset.
func WithRowOffset(offset int64) RunOption { return func(c *runConfig) { c.offset = offset } }

// RuleTotals is what a Partial holds of one row rule.
type RuleTotals struct {
	// Name is the rule's name.
	Name string
	// Counts counts the rows by outcome.
	Counts OutcomeCounts
	// Errors counts evaluation errors by kind (ErrorKind).
	Errors map[string]int64
	// Samples are failing rows, by Row, at most the sample limit.
	Samples []Sample
}

// Rows returns the number of rows accumulated.
func (p *Partial) Rows() int64 { return p.rows }

// Rules returns the totals of every row rule, in Program.RowRules order.
// The maps and slices are the Partial's own: read them only.
func (p *Partial) Rules() []RuleTotals {
	out := make([]RuleTotals, len(p.rules))
	for i, a := range p.rules {
		out[i] = RuleTotals{Name: p.names[i], Counts: a.counts, Errors: a.errors, Samples: a.samples}
	}
	return out
}

// NewPartial returns the empty state of a run of p: the identity of Merge.
func (p *Program) NewPartial() (*Partial, error) {
	r := p.NewRun()
	if r.err != nil {
		return nil, r.err
	}
	return &Partial{r.partial}, nil
}

// Partial returns the run's accumulated state. It shares the run's
// states: the run must not be used afterwards, except for Finish.
func (r *Run) Partial() (*Partial, error) {
	if r.err != nil {
		return nil, r.err
	}
	return &Partial{r.partial}, nil
}

// Finish evaluates the dataset checks on part, a Partial of p (merged from
// any number of runs), like Run.Finish. opts are the options of the run
// the checks need: WithReferences, WithHistory, WithClock.
func (p *Program) Finish(ctx context.Context, part *Partial, opts ...RunOption) ([]CheckResult, error) {
	if part == nil {
		return nil, errors.New("rules: finish: nil partial")
	}
	r := p.NewRun(opts...)
	if r.err != nil {
		return nil, r.err
	}
	if err := r.compatible(&part.partial); err != nil {
		return nil, fmt.Errorf("rules: finish: %w", err)
	}
	r.partial = part.partial
	return r.Finish(ctx)
}

// Merge folds other, a Partial of the same program, into p. other is read,
// never modified.
func (p *Partial) Merge(other *Partial) error {
	if other == nil {
		return nil
	}
	if err := p.compatible(&other.partial); err != nil {
		return fmt.Errorf("rules: merge: %w", err)
	}
	return p.merge(&other.partial)
}

// compatible reports whether two states are of the same program.
func (a *partial) compatible(b *partial) error {
	if !slices.Equal(a.names, b.names) || len(a.rules) != len(b.rules) || len(a.states) != len(b.states) ||
		len(a.counts) != len(b.counts) || len(a.values) != len(b.values) {
		return errors.New("partials of different programs")
	}
	for k := range a.states {
		if (a.states[k] == nil) != (b.states[k] == nil) || (a.values[k] == nil) != (b.values[k] == nil) {
			return errors.New("partials of different programs")
		}
		if a.states[k] != nil && !specEqual(a.states[k].Spec(), b.states[k].Spec()) {
			return fmt.Errorf("partials of different programs: metric %s against %s", a.states[k].Spec().Func, b.states[k].Spec().Func)
		}
	}
	return nil
}

func specEqual(a, b metrics.Spec) bool {
	return a.Func == b.Func && slices.Equal(a.Columns, b.Columns) && fmt.Sprint(a.Args) == fmt.Sprint(b.Args)
}

// merge folds b, a state of the same program, into a.
func (a *partial) merge(b *partial) error {
	for k, s := range a.states {
		if s == nil {
			continue
		}
		if err := s.Merge(b.states[k]); err != nil {
			return fmt.Errorf("rules: merge metric %s: %w", s.Spec().Func, err)
		}
	}
	a.rows += b.rows
	a.sampleLimit = max(a.sampleLimit, b.sampleLimit)
	for i := range a.rules {
		ra, rb := &a.rules[i], &b.rules[i]
		for o := range ra.counts {
			ra.counts[o] += rb.counts[o]
		}
		ra.errors = mergeKinds(ra.errors, rb.errors)
		ra.samples = mergeSamples(ra.samples, rb.samples, a.sampleLimit)
	}
	for h := range a.counts {
		a.counts[h] += b.counts[h]
	}
	for k, m := range a.values {
		for v, n := range b.values[k] {
			m[v] += n
		}
	}
	return nil
}

// mergeKinds adds src's error kinds to dst (allocated when nil and needed)
// and caps the result: the MaxErrorKinds kinds first in byte order stay,
// the others are counted under OtherErrorKind. The result does not depend
// on the order of merges: a kind is kept exactly when it is among the
// first MaxErrorKinds of all kinds seen.
func mergeKinds(dst, src map[string]int64) map[string]int64 {
	if len(src) == 0 && len(dst) <= MaxErrorKinds {
		return dst
	}
	if dst == nil {
		dst = make(map[string]int64, len(src))
	}
	for k, n := range src {
		dst[k] += n
	}
	keys := make([]string, 0, len(dst))
	for k := range dst {
		if k != OtherErrorKind {
			keys = append(keys, k)
		}
	}
	if len(keys) <= MaxErrorKinds {
		return dst
	}
	slices.Sort(keys)
	for _, k := range keys[MaxErrorKinds:] {
		dst[OtherErrorKind] += dst[k]
		delete(dst, k)
	}
	return dst
}

// mergeSamples returns the limit samples of a and b (each sorted by Row)
// at the lowest rows.
func mergeSamples(a, b []Sample, limit int) []Sample {
	if len(b) == 0 && len(a) <= limit {
		return a
	}
	out := make([]Sample, 0, min(limit, len(a)+len(b)))
	i, j := 0, 0
	for len(out) < limit && (i < len(a) || j < len(b)) {
		if j >= len(b) || i < len(a) && a[i].Row <= b[j].Row {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return out
}

// accountRows folds the row rules' results of a batch of n rows, whose
// first row is at position base, into the state.
func (r *Run) accountRows(batch arrow.RecordBatch, res *BatchResult, base int64) {
	for i := range r.rules {
		a := &r.rules[i]
		for o, n := range res.Counts[i] {
			a.counts[o] += n
		}
		if len(res.ErrorKinds[i]) > 0 {
			a.errors = mergeKinds(a.errors, res.ErrorKinds[i])
		}
		if r.cfg.sampleFill == nil || r.sampleLimit == 0 || len(a.samples) >= r.sampleLimit {
			continue
		}
		FailingRowsOf(res.Failing[i], func(row int) bool {
			values, key := r.cfg.sampleFill(batch, i, row)
			a.samples = append(a.samples, Sample{Row: base + int64(row), Values: values, Key: key})
			return len(a.samples) < r.sampleLimit
		})
	}
}

// FailingRowsOf calls f with every row set in a BatchResult.Failing bitmap,
// in order, until f returns false.
func FailingRowsOf(failing []uint64, f func(row int) bool) {
	for w, word := range failing {
		for ; word != 0; word &= word - 1 {
			if !f(w*64 + bits.TrailingZeros64(word)) {
				return
			}
		}
	}
}

// Encoding of a Partial.
//
//	magic "SLRP" · version byte · rows · sample limit · row rules · count_if counts · metrics
//
// A row rule is its name, its four outcome counts, its error kinds (sorted)
// and its samples (row, values and key as JSON). A metric is a tag byte:
// none, a metric state (metrics.Encode's bytes) or a value set (entries
// sorted by their encoding, each a tagged value and a count). Integers are
// varints or uvarints, strings and byte strings a uvarint length and the
// bytes. Equal Partials encode to equal bytes.
const (
	partialMagic   = "SLRP"
	partialVersion = 1
)

// ErrCorruptPartial means UnmarshalBinary was given bytes that are not an
// encoded Partial: bad magic, an unknown version, truncated or
// inconsistent content.
var ErrCorruptPartial = errors.New("corrupt partial")

const (
	metricNone byte = iota
	metricTagState
	metricTagValues
)

// value key tags
const (
	keyInt      byte = 'i'
	keyUint     byte = 'u'
	keyFloat    byte = 'd'
	keyString   byte = 's'
	keyBytes    byte = 'b'
	keyBool     byte = 't'
	keyTime     byte = 'T'
	keyDuration byte = 'D'
)

// MarshalBinary encodes the Partial in a versioned binary form that
// UnmarshalBinary reads back on any machine.
func (p *Partial) MarshalBinary() ([]byte, error) {
	var w pwriter
	w.buf.WriteString(partialMagic)
	w.buf.WriteByte(partialVersion)
	w.varint(p.rows)
	w.uvarint(uint64(p.sampleLimit))
	w.uvarint(uint64(len(p.rules)))
	for i, a := range p.rules {
		w.str(p.names[i])
		for _, n := range a.counts {
			w.varint(n)
		}
		kinds := make([]string, 0, len(a.errors))
		for k := range a.errors {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		w.uvarint(uint64(len(kinds)))
		for _, k := range kinds {
			w.str(k)
			w.varint(a.errors[k])
		}
		w.uvarint(uint64(len(a.samples)))
		for _, s := range a.samples {
			w.varint(s.Row)
			for _, m := range []map[string]any{s.Values, s.Key} {
				if m == nil {
					w.str("")
					continue
				}
				b, err := json.Marshal(m)
				if err != nil {
					return nil, fmt.Errorf("rules: encode sample of %s: %w", p.names[i], err)
				}
				w.str(string(b))
			}
		}
	}
	w.uvarint(uint64(len(p.counts)))
	for _, n := range p.counts {
		w.varint(n)
	}
	w.uvarint(uint64(len(p.states)))
	for k := range p.states {
		switch {
		case p.states[k] != nil:
			b, err := metrics.Encode(p.states[k])
			if err != nil {
				return nil, fmt.Errorf("rules: encode metric %s: %w", p.states[k].Spec().Func, err)
			}
			w.buf.WriteByte(metricTagState)
			w.str(string(b))
		case p.values[k] != nil:
			w.buf.WriteByte(metricTagValues)
			entries := make([]keyEntry, 0, len(p.values[k]))
			for v, n := range p.values[k] {
				entries = append(entries, keyEntry{enc: encodeKey(v), n: n})
			}
			slices.SortFunc(entries, func(a, b keyEntry) int { return bytes.Compare(a.enc, b.enc) })
			w.uvarint(uint64(len(entries)))
			for _, e := range entries {
				w.buf.Write(e.enc)
				w.varint(e.n)
			}
		default:
			w.buf.WriteByte(metricNone)
		}
	}
	return w.buf.Bytes(), nil
}

type keyEntry struct {
	enc []byte
	n   int64
}

func encodeKey(v any) []byte {
	var w pwriter
	switch x := v.(type) {
	case int64:
		w.buf.WriteByte(keyInt)
		w.varint(x)
	case uint64:
		w.buf.WriteByte(keyUint)
		w.uvarint(x)
	case float64:
		w.buf.WriteByte(keyFloat)
		w.uvarint(math.Float64bits(x))
	case string:
		w.buf.WriteByte(keyString)
		w.str(x)
	case bytesKey:
		w.buf.WriteByte(keyBytes)
		w.str(x.s)
	case bool:
		w.buf.WriteByte(keyBool)
		if x {
			w.buf.WriteByte(1)
		} else {
			w.buf.WriteByte(0)
		}
	case timeKey:
		w.buf.WriteByte(keyTime)
		w.varint(x.nanos)
	case durationKey:
		w.buf.WriteByte(keyDuration)
		w.varint(x.nanos)
	default:
		w.buf.WriteByte(keyString)
		w.str(fmt.Sprint(v))
	}
	return w.buf.Bytes()
}

// UnmarshalBinary decodes bytes written by MarshalBinary into p, replacing
// its content. Bytes of an unknown version or corrupt bytes are an error
// (ErrCorruptPartial), never a panic.
func (p *Partial) UnmarshalBinary(data []byte) error {
	rd := preader{b: data}
	if len(data) < len(partialMagic)+1 || string(data[:len(partialMagic)]) != partialMagic {
		return fmt.Errorf("rules: decode partial: bad magic: %w", ErrCorruptPartial)
	}
	rd.b = data[len(partialMagic):]
	if v := rd.byte(); v != partialVersion {
		return fmt.Errorf("rules: decode partial: unknown version %d (this build reads %d): %w", v, partialVersion, ErrCorruptPartial)
	}
	var q partial
	q.rows = rd.varint()
	q.sampleLimit = rd.count(math.MaxInt32)
	nr := rd.count(len(rd.b))
	q.names = make([]string, 0, nr)
	q.rules = make([]ruleAcc, 0, nr)
	for range nr {
		q.names = append(q.names, rd.str())
		var a ruleAcc
		for o := range a.counts {
			a.counts[o] = rd.varint()
		}
		if ne := rd.count(len(rd.b)); ne > 0 {
			a.errors = make(map[string]int64, ne)
			for range ne {
				k := rd.str()
				a.errors[k] += rd.varint()
			}
		}
		ns := rd.count(len(rd.b))
		for range ns {
			s := Sample{Row: rd.varint()}
			for _, m := range []*map[string]any{&s.Values, &s.Key} {
				js := rd.str()
				if js == "" || rd.err != nil {
					continue
				}
				dec := json.NewDecoder(bytes.NewReader([]byte(js)))
				dec.UseNumber()
				if err := dec.Decode(m); err != nil {
					rd.fail("sample")
				}
			}
			a.samples = append(a.samples, s)
		}
		if !slices.IsSortedFunc(a.samples, func(x, y Sample) int { return cmp.Compare(x.Row, y.Row) }) {
			rd.fail("samples out of order")
		}
		q.rules = append(q.rules, a)
	}
	nc := rd.count(len(rd.b))
	q.counts = make([]int64, 0, nc)
	for range nc {
		q.counts = append(q.counts, rd.varint())
	}
	nm := rd.count(len(rd.b))
	q.states = make([]metrics.State, nm)
	q.values = make([]map[any]int64, nm)
	for k := range nm {
		switch rd.byte() {
		case metricNone:
		case metricTagState:
			b := rd.str()
			if rd.err != nil {
				break
			}
			s, err := metrics.Decode([]byte(b))
			if err != nil {
				return fmt.Errorf("rules: decode partial: metric %d: %w: %w", k, ErrCorruptPartial, err)
			}
			q.states[k] = s
		case metricTagValues:
			n := rd.count(len(rd.b))
			m := make(map[any]int64, n)
			for range n {
				v := rd.key()
				m[v] += rd.varint()
			}
			q.values[k] = m
		default:
			rd.fail("metric tag")
		}
		if rd.err != nil {
			break
		}
	}
	if rd.err == nil && len(rd.b) > 0 {
		rd.fail("trailing bytes")
	}
	if rd.err != nil {
		return fmt.Errorf("rules: decode partial: %w: %w", rd.err, ErrCorruptPartial)
	}
	p.partial = q
	return nil
}

type pwriter struct {
	buf bytes.Buffer
	tmp [binary.MaxVarintLen64]byte
}

func (w *pwriter) varint(v int64) { w.buf.Write(w.tmp[:binary.PutVarint(w.tmp[:], v)]) }
func (w *pwriter) uvarint(v uint64) {
	w.buf.Write(w.tmp[:binary.PutUvarint(w.tmp[:], v)])
}
func (w *pwriter) str(s string) { w.uvarint(uint64(len(s))); w.buf.WriteString(s) }

// preader reads what pwriter wrote; after the first error every read
// returns zero values and err stays set.
type preader struct {
	b   []byte
	err error
}

func (r *preader) fail(what string) {
	if r.err == nil {
		r.err = errors.New(what)
	}
	r.b = nil
}

func (r *preader) byte() byte {
	if len(r.b) == 0 {
		r.fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *preader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *preader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length of at most limit (each element takes a byte at
// least, so limit is the bytes left: a corrupt length allocates nothing).
func (r *preader) count(limit int) int {
	v := r.uvarint()
	if v > uint64(limit) {
		r.fail("bad length")
		return 0
	}
	return int(v)
}

func (r *preader) str() string {
	v := r.uvarint()
	if r.err != nil || v > uint64(len(r.b)) {
		r.fail("bad length")
		return ""
	}
	n := int(v)
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *preader) key() any {
	switch r.byte() {
	case keyInt:
		return r.varint()
	case keyUint:
		return r.uvarint()
	case keyFloat:
		return math.Float64frombits(r.uvarint())
	case keyString:
		return r.str()
	case keyBytes:
		return bytesKey{r.str()}
	case keyBool:
		switch r.byte() {
		case 0:
			return false
		case 1:
			return true
		}
	case keyTime:
		return timeKey{r.varint()}
	case keyDuration:
		return durationKey{r.varint()}
	}
	r.fail("bad value key")
	return nil
}

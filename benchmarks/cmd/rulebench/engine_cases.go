package main

// The engine cases a–d of issue #3's benchmark protocol: Sluice's
// vectorized engine (through rules.Compile / Run.Eval) against cel-go,
// arrow compute, a hand-written loop and DuckDB, in the same run on the same
// in-memory batches. The peers live in package benchmarks, which the Go
// benchmarks and the agreement test share.

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/benchmarks"
)

// peer is one engine prepared for a case.
type peer struct {
	name    string
	variant string // what it covers, when not everything
	run     func(ctx context.Context, batches []arrow.RecordBatch) (*benchmarks.Result, error)
	close   func()
}

// wanted reports whether -engines selects name.
func (cfg config) wanted(name string) bool {
	return len(cfg.Engines) == 0 || slices.Contains(cfg.Engines, name)
}

// peers prepares the engines of a case on rows (and, for Sluice and DuckDB,
// checks and metrics) over schema.
func peers(cfg config, schema *arrow.Schema, rows []benchmarks.RowRule, checks []benchmarks.Check, metrics []string) ([]peer, error) {
	var out []peer
	closeAll := func() {
		for _, p := range out {
			if p.close != nil {
				p.close()
			}
		}
	}
	if cfg.wanted("sluice") {
		s, err := benchmarks.NewSluice(schema, rows, checks)
		if err != nil {
			return nil, err
		}
		if cfg.Cores > 1 {
			s.Workers = cfg.Cores
		}
		n, of := s.Vectorized()
		fmt.Fprintf(os.Stderr, "rulebench: sluice runs %d of %d row rules on the vectorized engine\n", n, of)
		out = append(out, peer{name: "sluice", run: s.Run})
	}
	if cfg.wanted("celgo") {
		c, err := benchmarks.NewCelGo(schema, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, peer{name: "celgo", run: c.Run})
	}
	if cfg.wanted("arrow-compute") {
		c := benchmarks.NewCompute(memory.DefaultAllocator, rows)
		covered := 0
		for _, r := range rows {
			if r.Expr.HasKernels() {
				covered++
			}
		}
		p := peer{name: "arrow-compute", run: c.Run, close: c.Release}
		if covered < len(rows) {
			p.variant = fmt.Sprintf("%d of %d row rules", covered, len(rows))
		}
		out = append(out, p)
	}
	if cfg.wanted("loop") {
		out = append(out, peer{name: "loop", run: benchmarks.NewLoop(rows).Run})
	}
	if cfg.wanted("duckdb") {
		if !benchmarks.HaveDuckDB {
			fmt.Fprintln(os.Stderr, "rulebench: duckdb left out: run with -tags duckdb_arrow")
		} else {
			d, err := benchmarks.NewDuckDB(context.Background(), cfg.Cores, rows, metrics)
			if err != nil {
				closeAll()
				return nil, err
			}
			out = append(out, peer{name: "duckdb", run: d.Run, close: d.Close})
		}
	}
	return out, nil
}

// timed runs p cfg.Reps times (fewer once 20 s are spent) and returns the
// fastest time and the last result.
func timed(cfg config, p peer, batches []arrow.RecordBatch) (float64, *benchmarks.Result, error) {
	bestSecs := -1.0
	var res *benchmarks.Result
	start := time.Now()
	for range cfg.Reps {
		runtime.GC()
		t := time.Now()
		r, err := p.run(context.Background(), batches)
		if err != nil {
			return 0, nil, fmt.Errorf("%s: %w", p.name, err)
		}
		if s := time.Since(t).Seconds(); bestSecs < 0 || s < bestSecs {
			bestSecs = s
		}
		res = r
		if time.Since(start) > 20*time.Second {
			break
		}
	}
	return bestSecs, res, nil
}

// agree checks that every engine counted the same passes and evaluated rows
// per rule as the reference (the loop when it ran, else the first engine).
func agree(names []string, results []*benchmarks.Result) error {
	ref := slices.Index(names, "loop")
	if ref < 0 {
		ref = 0
	}
	for k, r := range results {
		for i, c := range r.Rows {
			want := results[ref].Rows[i]
			if c != nil && want != nil && *c != *want {
				return fmt.Errorf("engines disagree on rule %d: %s %+v, %s %+v", i, names[k], *c, names[ref], *want)
			}
		}
	}
	return nil
}

// measure runs every peer on batches, checks that they agree and reports
// one line each; base names the baseline engine for ratio.
func measure(cfg config, caseName, variant string, batches []arrow.RecordBatch, ps []peer, base string, print bool) (map[string]Measurement, error) {
	rows := int64(0)
	for _, b := range batches {
		rows += b.NumRows()
	}
	var names []string
	var results []*benchmarks.Result
	secs := map[string]float64{}
	for _, p := range ps {
		s, r, err := timed(cfg, p, batches)
		if err != nil {
			return nil, err
		}
		names = append(names, p.name)
		results = append(results, r)
		secs[p.name] = s
	}
	if err := agree(names, results); err != nil {
		return nil, fmt.Errorf("%s %s: %w", caseName, variant, err)
	}
	if i, j := slices.Index(names, "sluice"), slices.Index(names, "duckdb"); i >= 0 && j >= 0 {
		for m, v := range results[j].Metrics {
			got := results[i].Metrics[m]
			tol := 1e-9 * math.Abs(v)
			if strings.HasPrefix(m, "quantile") {
				tol = 0.02 * math.Abs(v)
			}
			if math.Abs(got-v) > tol {
				return nil, fmt.Errorf("%s: %s is %v in sluice, %v in duckdb", caseName, m, got, v)
			}
		}
	}
	out := map[string]Measurement{}
	var baseline *Measurement
	if s, ok := secs[base]; ok {
		b := Measurement{Case: caseName, Engine: base, Rows: rows, Seconds: s, RowsPerS: float64(rows) / s}
		baseline = &b
	}
	for _, p := range ps {
		v := variant
		if p.variant != "" {
			v = strings.TrimPrefix(v+", "+p.variant, ", ")
		}
		m := Measurement{Case: caseName, Variant: v, Engine: p.name, Rows: rows, Seconds: secs[p.name], Cores: cfg.Cores}
		b := baseline
		if p.name == base {
			b = nil
		}
		if print {
			out[p.name] = report(m, b)
		} else {
			m.RowsPerS = float64(rows) / m.Seconds
			out[p.name] = m
		}
	}
	return out, nil
}

// caseA: amount >= 0.0 && status in [...], status plain and
// dictionary-encoded; baseline cel-go, and Sluice against the loop.
func caseA(cfg config) error {
	rules := []benchmarks.RowRule{benchmarks.CaseARule}
	for _, dict := range []bool{false, true} {
		variant := map[bool]string{false: "plain", true: "dict"}[dict]
		batches := benchmarks.CaseABatches(memory.DefaultAllocator, cfg.Rows, dict)
		ps, err := peers(cfg, batches[0].Schema(), rules, nil, nil)
		if err != nil {
			benchmarks.ReleaseAll(batches)
			return err
		}
		ms, err := measure(cfg, "a", variant, batches, ps, "celgo", true)
		closePeers(ps)
		benchmarks.ReleaseAll(batches)
		if err != nil {
			return err
		}
		if s, ok := ms["sluice"]; ok {
			if l, ok := ms["loop"]; ok {
				report(s, &l)
			}
		}
	}
	return nil
}

// caseB: the PyDeequ-shaped suite, 10 row rules and 6 dataset checks over
// 10 columns; baseline DuckDB.
func caseB(cfg config) error {
	batches := benchmarks.WideBatches(memory.DefaultAllocator, cfg.Rows)
	defer benchmarks.ReleaseAll(batches)
	schema := batches[0].Schema()
	ps, err := peers(cfg, schema, benchmarks.CaseBRules, benchmarks.CaseBChecks, benchmarks.CaseBMetrics)
	if err != nil {
		return err
	}
	defer closePeers(ps)
	for i := range ps {
		switch ps[i].name {
		case "celgo", "loop", "arrow-compute":
			ps[i].variant = strings.TrimPrefix(ps[i].variant+"; no dataset checks", "; ")
		}
	}
	if cfg.wanted("sluice") {
		// Sluice on the row rules alone, for the cost of the checks.
		s, err := benchmarks.NewSluice(schema, benchmarks.CaseBRules, nil)
		if err != nil {
			return err
		}
		if cfg.Cores > 1 {
			s.Workers = cfg.Cores
		}
		ps = append(ps, peer{name: "sluice-rows", variant: "no dataset checks", run: s.Run})
	}
	_, err = measure(cfg, "b", "16 checks", batches, ps, "duckdb", true)
	return err
}

// caseC: 1, 10 and 100 row rules on the same data; the 100-rule line of
// each engine carries cost(100)/cost(1).
func caseC(cfg config) error {
	batches := benchmarks.WideBatches(memory.DefaultAllocator, cfg.Rows)
	defer benchmarks.ReleaseAll(batches)
	one := map[string]float64{}
	for _, n := range []int{1, 10, 100} {
		ps, err := peers(cfg, batches[0].Schema(), benchmarks.CaseCRules(n), nil, nil)
		if err != nil {
			return err
		}
		ms, err := measure(cfg, "c", fmt.Sprintf("%d rules", n), batches, ps, "celgo", true)
		closePeers(ps)
		if err != nil {
			return err
		}
		for name, m := range ms {
			switch n {
			case 1:
				one[name] = m.Seconds
			case 100:
				if s := one[name]; s > 0 {
					m.CostRatio = m.Seconds / s
					m.Ratio, m.Baseline = 0, ""
					m.Variant = "100 rules: cost(100)/cost(1)"
					report(m, nil)
				}
			}
		}
	}
	return nil
}

// caseD: Sluice (EvalReader) and DuckDB (SET threads) on 1 core and on
// -cores cores, on case a's dictionary rule and on case b's suite.
func caseD(cfg config) error {
	if cfg.Cores < 2 {
		fmt.Fprintln(os.Stderr, "rulebench: case d compares 1 core with -cores K; K is 1")
	}
	type workload struct {
		name    string
		batches []arrow.RecordBatch
		rows    []benchmarks.RowRule
		checks  []benchmarks.Check
		metrics []string
	}
	loads := []workload{
		{"a dict", benchmarks.CaseABatches(memory.DefaultAllocator, cfg.Rows, true), []benchmarks.RowRule{benchmarks.CaseARule}, nil, nil},
		{"b suite", benchmarks.WideBatches(memory.DefaultAllocator, cfg.Rows), benchmarks.CaseBRules, benchmarks.CaseBChecks, benchmarks.CaseBMetrics},
	}
	defer func() {
		for _, l := range loads {
			benchmarks.ReleaseAll(l.batches)
		}
	}()
	maxCores := cfg.Cores
	defer runtime.GOMAXPROCS(maxCores)
	for _, l := range loads {
		single := map[string]Measurement{}
		for _, k := range slices.Compact([]int{1, maxCores}) {
			runtime.GOMAXPROCS(k)
			c := cfg
			c.Cores = k
			c.Engines = []string{"sluice", "duckdb"}
			ps, err := peers(c, l.batches[0].Schema(), l.rows, l.checks, l.metrics)
			if err != nil {
				return err
			}
			for i := range ps {
				if ps[i].name == "sluice" {
					// EvalReader on k workers, also for k = 1.
					s, err := benchmarks.NewSluice(l.batches[0].Schema(), l.rows, l.checks)
					if err != nil {
						return err
					}
					s.Workers = k
					ps[i].run = s.Run
					ps[i].variant = "EvalReader"
				}
			}
			ms, err := measure(c, "d", l.name, l.batches, ps, "", k == 1)
			closePeers(ps)
			if err != nil {
				return err
			}
			for name, m := range ms {
				if k == 1 {
					single[name] = m
					continue
				}
				if s, ok := single[name]; ok {
					s.Engine = name + "@1core"
					report(m, &s)
				} else {
					report(m, nil)
				}
			}
		}
	}
	return nil
}

func closePeers(ps []peer) {
	for _, p := range ps {
		if p.close != nil {
			p.close()
		}
	}
}

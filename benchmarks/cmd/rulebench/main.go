// Command rulebench runs Sluice's throughput cases and prints one JSON line
// per measurement:
//
//	{"case":"parquet-flights","engine":"sluice","rows":3000000,"seconds":0.41,"rows_per_s":7.3e6,"ratio":1.2}
//
// ratio, when present, is this engine's throughput divided by the named
// baseline's, measured in the same run on the same data.
//
// Usage: go run [-tags duckdb_arrow] ./cmd/rulebench -case NAME [-rows N] [-reps R] [-cores K]
//
// The engine cases a, b, c and d measure Sluice's vectorized engine against
// cel-go, arrow compute, a hand-written loop and DuckDB; DuckDB's Arrow
// interface needs the build tag duckdb_arrow.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
)

// config holds the flags shared by every case.
type config struct {
	Rows    int      // rows to generate, for generated cases
	Reps    int      // repetitions; the best is reported
	Cores   int      // GOMAXPROCS, Sluice's workers and DuckDB's threads (engine cases)
	Engines []string // engines of the engine cases to run; all when empty
}

// cases maps a case name to its function, one per file of this command.
var cases = map[string]func(cfg config) error{
	"parquet-flights": parquetFlights,
	"parquet-gen":     parquetGen,
	"interp":          interp,
	"lineage":         lineageCase,
	"metrics":         metricsCase,
	"vector":          vector,
	"history":         historyCase,
	"write":           writeCase,
	"a":               caseA,
	"b":               caseB,
	"c":               caseC,
	"d":               caseD,
	"e2e":             e2eCase,
	"etl":             etlCase,
	"startup":         startupCase,
	"e2e-duckdb":      e2eDuckDB, // the DuckDB process of e2e
}

// Measurement is one printed line.
type Measurement struct {
	Case     string  `json:"case"`
	Variant  string  `json:"variant,omitempty"` // e.g. dict or plain, the rule count
	Engine   string  `json:"engine"`
	Cores    int     `json:"cores,omitempty"`
	Rows     int64   `json:"rows"`
	Seconds  float64 `json:"seconds"`
	RowsPerS float64 `json:"rows_per_s"`
	Ratio    float64 `json:"ratio,omitempty"`
	Baseline string  `json:"baseline,omitempty"`
	// CostRatio is the time of this measurement over the same engine's
	// time on one rule (case c).
	CostRatio float64 `json:"cost_ratio,omitempty"`
}

// report prints m as one JSON line; with a baseline it adds the ratio of
// m's throughput to the baseline's.
func report(m Measurement, baseline *Measurement) Measurement {
	if m.Seconds > 0 {
		m.RowsPerS = float64(m.Rows) / m.Seconds
	}
	if baseline != nil && baseline.RowsPerS > 0 {
		m.Ratio = m.RowsPerS / baseline.RowsPerS
		m.Baseline = baseline.Engine
	}
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
	return m
}

func main() {
	name := flag.String("case", "", "case to run (or \"all\")")
	rows := flag.Int("rows", 1_000_000, "rows for generated cases")
	reps := flag.Int("reps", 5, "repetitions; the best is reported")
	cores := flag.Int("cores", 1, "cores for the engine cases: GOMAXPROCS, Sluice workers, DuckDB threads")
	engines := flag.String("engines", "", "comma-separated engines of the engine cases (sluice, celgo, arrow-compute, loop, duckdb); all when empty")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	slices.Sort(names)
	var run []string
	switch {
	case *name == "all":
		run = slices.DeleteFunc(names, func(n string) bool { return n == "e2e-duckdb" })
	case cases[*name] != nil:
		run = []string{*name}
	default:
		fmt.Fprintf(os.Stderr, "rulebench: unknown case %q; cases: %s\n", *name, strings.Join(names, ", "))
		os.Exit(2)
	}
	cfg := config{Rows: *rows, Reps: max(*reps, 1), Cores: max(*cores, 1)}
	if *engines != "" {
		cfg.Engines = strings.Split(*engines, ",")
	}
	coresSet := false
	flag.Visit(func(f *flag.Flag) { coresSet = coresSet || f.Name == "cores" })
	if coresSet || slices.ContainsFunc(run, func(n string) bool { return len(n) == 1 }) {
		// The engine cases (one-letter names) run on -cores cores.
		runtime.GOMAXPROCS(cfg.Cores)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rulebench: %v\n", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "rulebench: %v\n", err)
			os.Exit(1)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	for _, n := range run {
		if err := cases[n](cfg); err != nil {
			fmt.Fprintf(os.Stderr, "rulebench: %s: %v\n", n, err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
	}
}

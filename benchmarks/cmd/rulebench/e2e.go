package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The e2e case times what users time: a whole `sluice check` process on
// flights-3m.parquet with seven checks, against a DuckDB process answering
// the same questions from the same file in one query pair. Both are fresh
// processes (DuckDB runs in this command re-executed with -case
// e2e-duckdb), alternated, median of -reps runs, on -cores threads. The
// answers are compared: a run that disagrees is a failure.

// airportsPath is the reference of missing_references, relative to
// benchmarks/.
const airportsPath = "../../shared/datasets/airports.csv"

// e2eRules is the rule file of the case; %s is the airports file.
const e2eRules = `version: 1
dataset: flights
owner: ops@example.com
rules:
  - name: delay_sane
    expr: delay > -120 && delay < 1440
  - name: distance_positive
    expr: distance > 0
  - name: origin_not_destination
    expr: origin != destination
  - name: rows
    check: row_count() > 1000000
  - name: origins
    check: distinct_count(origin) > 100
  - name: recent
    check: max(date) > timestamp('2000-01-01T00:00:00Z')
  - name: origin_known
    check: missing_references(origin, '%s', 'iata') == 0
`

// e2eQueries are DuckDB's questions: the failures of the three row rules
// (nulls skipped, as Sluice's nulls: skip does), the row count, the
// distinct origins and the latest date; then the origins missing from the
// airports.
const e2eQueries = `SELECT count(*) FILTER (WHERE NOT (delay > -120 AND delay < 1440)),
  count(*) FILTER (WHERE NOT (distance > 0)),
  count(*) FILTER (WHERE NOT (origin <> destination)),
  count(*), count(DISTINCT origin), CAST(epoch_us(max(date)) AS BIGINT)
FROM read_parquet('%[1]s');
SELECT count(*) FROM read_parquet('%[1]s') f
WHERE f.origin IS NOT NULL AND NOT EXISTS (SELECT 1 FROM read_csv('%[2]s', header = true) a WHERE a.iata = f.origin)`

// e2eAnswers are the answers both engines give.
type e2eAnswers struct {
	Failed   [3]int64 `json:"failed"`
	Rows     int64    `json:"rows"`
	Origins  int64    `json:"origins"`
	MaxDate  int64    `json:"max_date_us"`
	Missing  int64    `json:"missing"`
	Seconds  float64  `json:"seconds"`
	ExitCode int      `json:"-"`
}

func e2eCase(cfg config) error {
	if !haveDuckDB {
		return errors.New("the e2e case needs DuckDB: go run -tags duckdb_arrow ./cmd/rulebench -case e2e")
	}
	flights, err := filepath.Abs(flightsPath)
	if err != nil {
		return err
	}
	airports, err := filepath.Abs(airportsPath)
	if err != nil {
		return err
	}
	for _, p := range []string{flights, airports} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s not found (run from benchmarks/): %w", p, err)
		}
	}
	dir, err := os.MkdirTemp("", "rulebench-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sluice := filepath.Join(dir, "sluice")
	build := exec.Command("go", "build", "-C", "..", "-o", sluice, "./cmd/sluice")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build sluice: %w", err)
	}
	rulesPath := filepath.Join(dir, "flights.yaml")
	if err := os.WriteFile(rulesPath, fmt.Appendf(nil, e2eRules, airports), 0o644); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var sl, dk []float64
	var sAns, dAns e2eAnswers
	for rep := range cfg.Reps + 1 { // the first pair warms the page cache
		s, err := runSluice(dir, sluice, rulesPath, flights, cfg.Cores)
		if err != nil {
			return err
		}
		d, err := runDuckDB(self, flights, airports, cfg.Cores)
		if err != nil {
			return err
		}
		if s != d.withSeconds(s.Seconds) {
			return fmt.Errorf("the engines disagree: sluice %+v, duckdb %+v", s, d)
		}
		sAns, dAns = s, d
		if rep > 0 {
			sl, dk = append(sl, s.Seconds), append(dk, d.Seconds)
		}
	}
	rows := sAns.Rows
	_ = dAns
	base := report(Measurement{Case: "e2e", Engine: "duckdb", Cores: cfg.Cores, Rows: rows, Seconds: median(dk)}, nil)
	report(Measurement{Case: "e2e", Engine: "sluice", Cores: cfg.Cores, Rows: rows, Seconds: median(sl)}, &base)
	return nil
}

func (a e2eAnswers) withSeconds(s float64) e2eAnswers { a.Seconds = s; return a }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// runSluice times one `sluice check` process and reads its answers from
// the JSON report.
func runSluice(dir, bin, rulesPath, flights string, cores int) (e2eAnswers, error) {
	cmd := exec.Command(bin, "check", "--no-history", "--format", "json", "--workers", strconv.Itoa(cores),
		"--rules", rulesPath, flights)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(cores))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	secs := time.Since(start).Seconds()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		return e2eAnswers{}, fmt.Errorf("sluice check: %w: %s", err, errb.String())
	}
	type jsonReport struct {
		Rules []struct {
			Name    string         `json:"name"`
			Failed  int64          `json:"failed"`
			Metrics map[string]any `json:"metrics"`
		} `json:"rules"`
	}
	reports := make([]jsonReport, 1) // one input: one report object
	if err := json.Unmarshal(out.Bytes(), &reports[0]); err != nil {
		return e2eAnswers{}, fmt.Errorf("sluice check: report: %v: %.200s", err, out.String())
	}
	a := e2eAnswers{Seconds: secs}
	metric := func(name, key string) (float64, error) {
		for _, r := range reports[0].Rules {
			if r.Name == name {
				switch v := r.Metrics[key].(type) {
				case float64:
					return v, nil
				case string:
					t, err := time.Parse(time.RFC3339Nano, v)
					return float64(t.UnixMicro()), err
				}
			}
		}
		return 0, fmt.Errorf("sluice check: no metric %s of rule %s", key, name)
	}
	for i, name := range []string{"delay_sane", "distance_positive", "origin_not_destination"} {
		for _, r := range reports[0].Rules {
			if r.Name == name {
				a.Failed[i] = r.Failed
			}
		}
	}
	for _, m := range []struct {
		rule, key string
		dst       *int64
	}{
		{"rows", "row_count()", &a.Rows},
		{"origins", "distinct_count(origin)", &a.Origins},
		{"recent", "max(date)", &a.MaxDate},
	} {
		v, err := metric(m.rule, m.key)
		if err != nil {
			return e2eAnswers{}, err
		}
		*m.dst = int64(v)
	}
	for _, r := range reports[0].Rules {
		if r.Name != "origin_known" {
			continue
		}
		for k, v := range r.Metrics {
			if strings.HasPrefix(k, "missing_references(") {
				f, _ := v.(float64)
				a.Missing = int64(f)
			}
		}
	}
	return a, nil
}

// runDuckDB times one DuckDB process (this command with -case e2e-duckdb)
// and reads its answers.
func runDuckDB(self, flights, airports string, cores int) (e2eAnswers, error) {
	cmd := exec.Command(self, "-case", "e2e-duckdb", "-cores", strconv.Itoa(cores))
	cmd.Env = append(os.Environ(), "E2E_FLIGHTS="+flights, "E2E_AIRPORTS="+airports)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return e2eAnswers{}, fmt.Errorf("duckdb: %w: %s", err, errb.String())
	}
	secs := time.Since(start).Seconds()
	var a e2eAnswers
	if err := json.Unmarshal(out.Bytes(), &a); err != nil {
		return e2eAnswers{}, fmt.Errorf("duckdb: answers: %w: %.200s", err, out.String())
	}
	a.Seconds = secs
	return a, nil
}

// e2eDuckDB is the DuckDB process of the e2e case: it answers the
// questions and prints them as JSON.
func e2eDuckDB(cfg config) error {
	ctx := context.Background()
	db, err := openDuckDB(cfg.Cores)
	if err != nil {
		return err
	}
	defer db.Close()
	q := fmt.Sprintf(e2eQueries, os.Getenv("E2E_FLIGHTS"), os.Getenv("E2E_AIRPORTS"))
	first, second, _ := strings.Cut(q, ";")
	var a e2eAnswers
	row := db.QueryRowContext(ctx, first)
	if err := row.Scan(&a.Failed[0], &a.Failed[1], &a.Failed[2], &a.Rows, &a.Origins, &a.MaxDate); err != nil {
		return fmt.Errorf("query 1: %w", err)
	}
	if err := db.QueryRowContext(ctx, second).Scan(&a.Missing); err != nil {
		return fmt.Errorf("query 2: %w", err)
	}
	return json.NewEncoder(os.Stdout).Encode(a)
}

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

// The startup case measures what a sluice check spends before and around
// its first batch, on a file small enough (testdata/orders: 10,000 rows,
// one batch) that the data is not what is timed:
//
//   - process-version: `sluice version`, the binary's loading and package
//     initialization (the floor of any command);
//   - process-check: the whole `sluice check --no-history --format json`
//     process on testdata/orders (exit 1: the file has planted defects);
//   - load, schema, compile, gate, run: the same check in this process,
//     phase by phase: parse the rule file, read the Parquet footer's
//     schema, compile (CEL environment, type-check, the vectorized
//     programs), build the gate, run it over the file. first_seconds is
//     the first repetition, which pays what a process pays once (CEL's
//     standard library, regular expressions, caches).
//
// Each is the median of -reps after a warm-up; the processes' CPU time
// (user + system of the child) is given too, as wall time is noisy on a
// shared machine.

const ordersParquet = "../testdata/orders/orders.parquet"

func startupCase(cfg config) error {
	dir, err := os.MkdirTemp("", "rulebench-startup-")
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
	rulesAbs, err := filepath.Abs(ordersRulesPath)
	if err != nil {
		return err
	}
	dataAbs, err := filepath.Abs(ordersParquet)
	if err != nil {
		return err
	}
	procs := []struct {
		variant string
		args    []string
		exit    int
	}{
		{"process-version", []string{"version"}, 0},
		{"process-check", []string{"check", "--no-history", "--format", "json", "--workers", "1",
			"--rules", rulesAbs, dataAbs}, 1},
	}
	for _, p := range procs {
		var wall, cpu []float64
		for rep := range cfg.Reps + 1 {
			cmd := exec.Command(sluice, p.args...)
			cmd.Dir = dir
			start := time.Now()
			err := cmd.Run()
			w := time.Since(start).Seconds()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				return fmt.Errorf("%s: %w", p.variant, err)
			}
			if code != p.exit {
				return fmt.Errorf("%s: exit %d, want %d", p.variant, code, p.exit)
			}
			if rep > 0 {
				st := cmd.ProcessState
				wall = append(wall, w)
				cpu = append(cpu, (st.UserTime() + st.SystemTime()).Seconds())
			}
		}
		fmt.Printf("{\"case\":\"startup\",\"variant\":%q,\"engine\":\"sluice\",\"seconds\":%.4f,\"cpu_seconds\":%.4f}\n",
			p.variant, median(wall), median(cpu))
	}

	// In this process, phase by phase.
	ctx := context.Background()
	phases := []string{"load", "schema", "compile", "gate", "run"}
	times := map[string][]float64{}
	var cold map[string]float64 // the first repetition: what a process pays
	var rows int64
	for rep := range cfg.Reps + 1 {
		t := map[string]float64{}
		start := time.Now()
		lap := func(name string) {
			now := time.Now()
			t[name] = now.Sub(start).Seconds()
			start = now
		}
		rs, err := rules.Load(ordersRulesPath)
		if err != nil {
			return err
		}
		lap("load")
		src, err := parquetconnector.NewSource(ordersParquet)
		if err != nil {
			return err
		}
		schema, err := src.Schema(ctx)
		if err != nil {
			return err
		}
		lap("schema")
		prog, err := rs.Compile(schema)
		if err != nil {
			return err
		}
		lap("compile")
		g, err := quality.NewGate(prog, quality.WithWorkers(1))
		if err != nil {
			return err
		}
		lap("gate")
		rep1, err := g.Run(ctx, src)
		if err != nil {
			return err
		}
		lap("run")
		rows = rep1.RowsIn
		if rep == 0 {
			cold = t
		}
		if rep > 0 {
			for _, p := range phases {
				times[p] = append(times[p], t[p])
			}
		}
	}
	for _, p := range phases {
		fmt.Printf("{\"case\":\"startup\",\"variant\":%q,\"engine\":\"sluice\",\"rows\":%d,\"seconds\":%.6f,\"first_seconds\":%.6f}\n",
			p, rows, median(times[p]), cold[p])
	}
	return nil
}

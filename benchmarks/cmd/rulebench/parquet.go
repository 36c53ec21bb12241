package main

import (
	"context"
	"fmt"
	"github.com/sluicedata/sluice/benchmarks"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
)

// flightsPath is the shared Polars-written file, relative to benchmarks/.
const flightsPath = "../../shared/datasets/flights-3m.parquet"

const parquetBatch = 64 * 1024

// parquetFlights reads flights-3m.parquet, all columns and two of them,
// with the Sluice connector and with arrow-go's pqarrow.
func parquetFlights(cfg config) error {
	if _, err := os.Stat(flightsPath); err != nil {
		return fmt.Errorf("flights-3m.parquet not found at %s (run from benchmarks/): %w", flightsPath, err)
	}
	if err := compareReads(cfg, "parquet-flights", flightsPath, nil); err != nil {
		return err
	}
	return compareReads(cfg, "parquet-flights-proj2", flightsPath, []string{"delay", "origin"})
}

// parquetGen writes cfg.Rows generated rows with the Sluice sink, then
// compares reads of the file.
func parquetGen(cfg config) error {
	dir, err := os.MkdirTemp("", "rulebench-parquet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "gen.parquet")
	start := time.Now()
	if err := benchmarks.GenerateParquet(path, cfg.Rows, parquetBatch); err != nil {
		return err
	}
	report(Measurement{Case: "parquet-gen-write", Engine: "sluice", Rows: int64(cfg.Rows), Seconds: time.Since(start).Seconds()}, nil)
	if err := compareReads(cfg, "parquet-gen", path, nil); err != nil {
		return err
	}
	return compareReads(cfg, "parquet-gen-proj2", path, []string{"amount", "category"})
}

// compareReads measures each engine cfg.Reps times, reports the best, and
// the ratio of sluice to the faster pqarrow variant.
func compareReads(cfg config, name, path string, cols []string) error {
	engines := []struct {
		name string
		read func(path string, cols []string, batch int) (int64, error)
	}{
		{"pqarrow", func(p string, c []string, b int) (int64, error) { return ReadPQArrow(p, c, b, false) }},
		{"pqarrow-dict", func(p string, c []string, b int) (int64, error) { return ReadPQArrow(p, c, b, true) }},
		{"sluice", ReadSluice},
	}
	best := map[string]Measurement{}
	for rep := 0; rep < cfg.Reps; rep++ {
		for _, e := range engines {
			start := time.Now()
			rows, err := e.read(path, cols, parquetBatch)
			if err != nil {
				return fmt.Errorf("%s: %w", e.name, err)
			}
			secs := time.Since(start).Seconds()
			if b, ok := best[e.name]; !ok || secs < b.Seconds {
				best[e.name] = Measurement{Case: name, Engine: e.name, Rows: rows, Seconds: secs}
			}
		}
	}
	base := report(best["pqarrow"], nil)
	dict := report(best["pqarrow-dict"], &base)
	if dict.RowsPerS > base.RowsPerS {
		base = dict
	}
	report(best["sluice"], &base)
	return nil
}

// ReadSluice reads every batch of path with the Sluice Parquet connector
// and returns the row count.
func ReadSluice(path string, cols []string, batch int) (int64, error) {
	src, err := parquetconnector.NewSource(path)
	if err != nil {
		return 0, err
	}
	rr, err := src.Open(context.Background(), connectors.ReadOptions{Columns: cols, BatchSize: batch})
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	var rows int64
	for rr.Next() {
		rows += rr.RecordBatch().NumRows()
	}
	return rows, rr.Err()
}

// ReadPQArrow reads every batch of path with arrow-go's pqarrow (serial,
// the same batch size), optionally asking for dictionary arrays for the
// string columns, and returns the row count.
func ReadPQArrow(path string, cols []string, batch int, dict bool) (int64, error) {
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return 0, err
	}
	defer rdr.Close()
	props := pqarrow.ArrowReadProperties{Parallel: false, BatchSize: int64(batch)}
	sc := rdr.MetaData().Schema
	if dict {
		for i := 0; i < sc.NumColumns(); i++ {
			if sc.Column(i).PhysicalType().String() == "BYTE_ARRAY" {
				props.SetReadDict(i, true)
			}
		}
	}
	fr, err := pqarrow.NewFileReader(rdr, props, memory.DefaultAllocator)
	if err != nil {
		return 0, err
	}
	var idx []int
	for _, c := range cols {
		i := sc.ColumnIndexByName(c)
		if i < 0 {
			return 0, fmt.Errorf("no column %q", c)
		}
		idx = append(idx, i)
	}
	rr, err := fr.GetRecordReader(context.Background(), idx, nil)
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	var rows int64
	for rr.Next() {
		rows += rr.RecordBatch().NumRows()
	}
	return rows, rr.Err()
}

// Command genorders writes the orders test dataset (Parquet and CSV) with
// its planted defects, deterministically from a seed.
//
//	go run ./internal/cmd/genorders -out testdata/orders
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/ordersgen"
)

func main() {
	out := flag.String("out", "testdata/orders", "output directory")
	rows := flag.Int("rows", 0, "rows (0: the default configuration's)")
	seed := flag.Uint64("seed", 0, "seed (0: the default configuration's)")
	flag.Parse()
	if err := run(*out, *rows, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "genorders:", err)
		os.Exit(1)
	}
}

func run(out string, rows int, seed uint64) error {
	cfg := ordersgen.Default()
	if rows > 0 {
		cfg.Rows = rows
	}
	if seed > 0 {
		cfg.Seed = seed
	}
	rec, err := ordersgen.Generate(memory.DefaultAllocator, cfg)
	if err != nil {
		return err
	}
	defer rec.Release()
	ctx := context.Background()
	for _, name := range []string{"orders.parquet", "orders.csv"} {
		sink, err := builtin.Create(filepath.Join(out, name), builtin.Options{Compression: "zstd"})
		if err != nil {
			return err
		}
		w, err := sink.Create(ctx, rec.Schema())
		if err != nil {
			return err
		}
		if err := w.Write(rec); err != nil {
			_ = w.Abort(ctx)
			return err
		}
		if err := w.Commit(ctx); err != nil {
			return err
		}
	}
	return nil
}

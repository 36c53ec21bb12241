package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluicedata/sluice/quality/pipeline"
)

// Check the shipped orders export against its contract in one call.
func ExampleCheckFile() {
	rep, err := pipeline.CheckFile(context.Background(), "../../testdata/orders/orders.yaml", "../../testdata/orders/orders.parquet")
	if err != nil {
		fmt.Println("could not check:", err)
		return
	}
	fmt.Println(rep.Dataset, rep.Owner, rep.Status)
	fmt.Println(rep.RowsIn == rep.RowsClean+rep.RowsQuarantined, rep.RowsQuarantined > 0)
	// Output:
	// orders payments-data@example.com fail
	// true true
}

// Gate an ETL step: the clean rows are written only when the gate passes,
// the failing ones always go to the quarantine file.
func ExamplePipeline_Check() {
	dir, err := os.MkdirTemp("", "orders")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	p := pipeline.Pipeline{
		Rules:      "../../testdata/orders/orders.yaml",
		Out:        filepath.Join(dir, "clean.parquet"),
		Quarantine: filepath.Join(dir, "quarantine.parquet"),
	}
	rep, err := p.Check(context.Background(), "../../testdata/orders/orders.csv")
	if err != nil {
		fmt.Println("could not check:", err)
		return
	}
	_, cleanErr := os.Stat(p.Out)
	_, quarantineErr := os.Stat(p.Quarantine)
	fmt.Println("failed:", rep.Failed())
	fmt.Println("clean written:", cleanErr == nil)
	fmt.Println("quarantine written:", quarantineErr == nil)
	// Output:
	// failed: true
	// clean written: false
	// quarantine written: true
}

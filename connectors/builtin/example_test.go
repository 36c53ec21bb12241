package builtin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
)

// Open picks the format from the file's extension; a CSV reader takes the
// column types it is given and infers the rest.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "builtin-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "orders.csv")
	if err := os.WriteFile(path, []byte("order_id,amount\n1,9.5\n2,\n3,12\n"), 0o600); err != nil {
		fmt.Println(err)
		return
	}

	src, err := builtin.Open(path, builtin.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	rd, err := src.Open(ctx, connectors.ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rd.Release()
	for _, f := range rd.Schema().Fields() {
		fmt.Println(f.Name, f.Type)
	}
	for rd.Next() {
		b := rd.RecordBatch()
		fmt.Println(b.NumRows(), "rows,", b.Column(1).NullN(), "null amount")
	}
	if err := rd.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// order_id int64
	// amount float64
	// 3 rows, 1 null amount
}

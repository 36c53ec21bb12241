// Command leanembed is the smallest program that embeds the gate: it reads
// a Parquet file, checks it against a rule file and writes the clean rows
// to another Parquet file. Its dependency count and binary size measure
// what the library costs an embedding program:
//
//	go list -deps ./cmd/leanembed | wc -l
//	go build -o /tmp/leanembed ./cmd/leanembed && ls -l /tmp/leanembed
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: leanembed RULES IN.parquet OUT.parquet")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "leanembed:", err)
		os.Exit(3)
	}
}

func run(ctx context.Context, rulesPath, in, out string) error {
	rs, err := rules.Load(rulesPath)
	if err != nil {
		return err
	}
	src, err := parquetconnector.NewSource(in)
	if err != nil {
		return err
	}
	schema, err := src.Schema(ctx)
	if err != nil {
		return err
	}
	prog, err := rs.Compile(schema)
	if err != nil {
		return err
	}
	gate, err := quality.NewGate(prog)
	if err != nil {
		return err
	}
	rd, err := src.Open(ctx, connectors.ReadOptions{})
	if err != nil {
		return err
	}
	defer rd.Release()
	clean, report := gate.Filter(ctx, rd)
	defer clean.Release()
	sink, err := parquetconnector.NewSink(out)
	if err != nil {
		return err
	}
	w, err := sink.Create(ctx, clean.Schema())
	if err != nil {
		return err
	}
	for clean.Next() {
		if err := w.Write(clean.RecordBatch()); err != nil {
			return errorsJoin(err, w.Abort(ctx))
		}
	}
	rep, err := report()
	if err != nil {
		return errorsJoin(err, w.Abort(ctx))
	}
	if rep.Status == quality.StatusFail {
		fmt.Println("gate failed: nothing written")
		return w.Abort(ctx)
	}
	fmt.Println("gate:", rep.Status)
	return w.Commit(ctx)
}

func errorsJoin(a, b error) error {
	if b == nil {
		return a
	}
	return fmt.Errorf("%w (abort: %w)", a, b)
}

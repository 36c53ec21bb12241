// Command genhostile writes the small cases of the hostile-input corpus
// (package internal/hostile) into a directory, byte for byte as the CLI
// test generates them.
//
//	go run ./internal/cmd/genhostile -out testdata/hostile [-all]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sluicedata/sluice/internal/hostile"
)

func main() {
	out := flag.String("out", "testdata/hostile", "output directory")
	all := flag.Bool("all", false, "also write the cases larger than hostile.CommitLimit")
	flag.Parse()
	if err := hostile.Write(*out, *all); err != nil {
		fmt.Fprintln(os.Stderr, "genhostile:", err)
		os.Exit(1)
	}
}

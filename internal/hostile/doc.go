// Package hostile builds the hostile-input corpus: files that lie about
// their own sizes, never end, nest without bound, plant personal data or
// forge report lines. Each builder is deterministic, so a failing case is
// reproduced byte for byte by `go run ./internal/cmd/genhostile -out DIR`;
// testdata/hostile/README.md lists the cases and what Sluice must answer.
//
// The builders only make bytes. The test that runs every case through the
// CLI and asserts the answers lives in cmd/sluice (hostile_test.go).
package hostile

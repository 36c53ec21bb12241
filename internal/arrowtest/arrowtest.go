// Package arrowtest holds test helpers for code that allocates Arrow memory.
package arrowtest

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Allocator returns a checked allocator that fails t at cleanup unless every
// byte it handed out was released.
func Allocator(t testing.TB) *memory.CheckedAllocator {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

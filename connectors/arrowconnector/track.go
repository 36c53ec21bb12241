package arrowconnector

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// callAllocator records the buffers allocated during one decoding call, so
// that the ones still held when the call fails can be given back. arrow-go
// drops the buffers of the arrays it had built when it fails to decode a
// damaged batch, without releasing them; without this, every damaged batch
// would leak its body from the caller's allocator. A reader is used by one
// goroutine at a time, and so is its callAllocator.
type callAllocator struct {
	memory.Allocator
	live map[*byte][]byte // nil outside a call
}

func (a *callAllocator) Allocate(size int) []byte {
	b := a.Allocator.Allocate(size)
	if a.live != nil {
		a.live[unsafe.SliceData(b)] = b
	}
	return b
}

func (a *callAllocator) Reallocate(size int, b []byte) []byte {
	if a.live != nil {
		delete(a.live, unsafe.SliceData(b))
	}
	nb := a.Allocator.Reallocate(size, b)
	if a.live != nil {
		a.live[unsafe.SliceData(nb)] = nb
	}
	return nb
}

func (a *callAllocator) Free(b []byte) {
	if a.live != nil {
		delete(a.live, unsafe.SliceData(b))
	}
	a.Allocator.Free(b)
}

// begin starts recording.
func (a *callAllocator) begin() { a.live = map[*byte][]byte{} }

// end stops recording; when the call failed, it frees what the call
// allocated and did not free.
func (a *callAllocator) end(failed bool) {
	live := a.live
	a.live = nil
	if !failed {
		return
	}
	for _, b := range live {
		a.Allocator.Free(b)
	}
}

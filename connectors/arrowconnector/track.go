package arrowconnector

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// callAllocator records the buffers allocated during a span of decoding, so
// that the ones still held when the decoding fails can be given back. arrow-go
// drops the buffers of the arrays it had built when it fails to decode a
// damaged batch, without releasing them; without this, every damaged batch
// would leak its body from the caller's allocator. A reader is used by one
// goroutine at a time, and so is its callAllocator.
//
// While gc is set, allocations come from Go memory instead, which the
// garbage collector reclaims: what the file format reads when it opens
// (footer and dictionaries) outlives every batch that shares it, so the
// references arrow-go leaves on a dictionary when it fails on a later
// batch would otherwise hold it in the caller's allocator for ever.
type callAllocator struct {
	memory.Allocator
	live map[*byte][]byte // nil outside a call

	gc      bool               // allocate from Go memory
	gcOwned map[*byte]struct{} // buffers allocated from Go memory, not yet freed
}

// goAllocator serves the allocations made while gc is set.
var goAllocator = memory.NewGoAllocator()

func (a *callAllocator) ownedByGC(b []byte) bool {
	_, ok := a.gcOwned[unsafe.SliceData(b)]
	return ok
}

func (a *callAllocator) Allocate(size int) []byte {
	if a.gc {
		b := goAllocator.Allocate(size)
		if a.gcOwned == nil {
			a.gcOwned = map[*byte]struct{}{}
		}
		a.gcOwned[unsafe.SliceData(b)] = struct{}{}
		return b
	}
	b := a.Allocator.Allocate(size)
	if a.live != nil {
		a.live[unsafe.SliceData(b)] = b
	}
	return b
}

func (a *callAllocator) Reallocate(size int, b []byte) []byte {
	if a.ownedByGC(b) {
		delete(a.gcOwned, unsafe.SliceData(b))
		nb := goAllocator.Reallocate(size, b)
		a.gcOwned[unsafe.SliceData(nb)] = struct{}{}
		return nb
	}
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
	if a.ownedByGC(b) {
		delete(a.gcOwned, unsafe.SliceData(b))
		return
	}
	if a.live != nil {
		delete(a.live, unsafe.SliceData(b))
	}
	a.Allocator.Free(b)
}

// begin starts recording.
func (a *callAllocator) begin() { a.live = map[*byte][]byte{} }

// recording reports whether begin was called and end not yet.
func (a *callAllocator) recording() bool { return a.live != nil }

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

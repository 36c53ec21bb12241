package parquetconnector

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
)

// A list column is read level by level: a repetition level of 0 starts a
// row, a definition level below listDef makes the row's list null, one below
// elemDef makes it empty, and every other level is an element slot, holding
// a value when it equals maxDef. The row offsets and the list validity come
// from the levels; the elements are decoded in runs by the flat builder, as
// if they were the rows of a flat column. A row may continue on the next
// page (writers of data page v1 may split rows), so a batch ends only at the
// start of its next row or at the end of the chunk.

// nextListPage moves to the next page of a list column; io.EOF at the end
// of the chunk.
func (c *colState) nextListPage() error {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	for {
		p, err := c.pages.ReadPage()
		if err != nil {
			return err
		}
		if p.NumValues() == 0 {
			parquet.Release(p)
			continue
		}
		c.page = p
		break
	}
	p := c.page
	c.nlev = int(p.NumValues())
	c.ldefs, c.reps = p.DefinitionLevels(), p.RepetitionLevels()
	c.lev, c.val = 0, 0
	if len(c.ldefs) != c.nlev || len(c.reps) != c.nlev {
		return fmt.Errorf("list page has %d definition and %d repetition levels for %d values",
			len(c.ldefs), len(c.reps), c.nlev)
	}
	c.defs = nil
	return c.loadValues(p)
}

// readList decodes n rows of a list column into an Arrow list array.
func (c *colState) readList(mem memory.Allocator, n int) (arrow.Array, error) {
	offs := memory.NewResizableBuffer(mem)
	defer offs.Release()
	offs.Resize((n + 1) * arrow.Int32SizeBytes)
	o := castSlice[int32](offs.Bytes())
	var valid *memory.Buffer
	defer func() {
		if valid != nil {
			valid.Release()
		}
	}()
	nulls := 0
	eb := newBuilder(c, mem, max(c.elemHint, 64))
	defer eb.release()

	rows, elems := 0, 0
	for {
		if c.lev >= c.nlev {
			if c.chunkDone {
				break
			}
			err := c.nextListPage()
			if errors.Is(err, io.EOF) {
				c.chunkDone = true
				break
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		defs, reps := c.ldefs, c.reps
		i := c.lev
		ne, nv := 0, 0 // element slots and values of the run
		for ; i < c.nlev; i++ {
			if reps[i] == 0 {
				if rows == n {
					break
				}
				if elems+ne > math.MaxInt32 {
					return nil, fmt.Errorf("batch holds more than 2^31 list elements: %w", errTooLarge)
				}
				o[rows] = int32(elems + ne)
				rows++
			} else if rows == 0 {
				return nil, errors.New("list continues a row that never started")
			}
			switch d := defs[i]; {
			case d >= c.elemDef:
				ne++
				if d == c.maxDef {
					nv++
				}
			case d < c.listDef:
				if valid == nil {
					valid = memory.NewResizableBuffer(mem)
					valid.Resize(int(bitutil.BytesForBits(int64(n))))
					bm := valid.Bytes()
					for k := range bm {
						bm[k] = 0xff
					}
				}
				if bitutil.BitIsSet(valid.Bytes(), rows-1) {
					bitutil.ClearBit(valid.Bytes(), rows-1)
					nulls++
				}
			}
		}
		if ne > 0 {
			if err := c.putElements(eb, elems, ne, nv, i); err != nil {
				return nil, err
			}
		}
		c.lev = i
		elems += ne
		if i < c.nlev {
			break // at the start of the first row of the next batch
		}
	}
	if rows != n {
		return nil, errShortChunk
	}
	if elems > math.MaxInt32 {
		return nil, fmt.Errorf("batch holds more than 2^31 list elements: %w", errTooLarge)
	}
	o[n] = int32(elems)
	c.elemHint = elems
	eb.n = elems
	values, err := eb.finish(c)
	if err != nil {
		return nil, err
	}
	defer values.Release()
	var vb *memory.Buffer
	if nulls > 0 {
		vb = valid
	}
	d := array.NewData(c.field.Type, n, []*memory.Buffer{vb, offs}, []arrow.ArrayData{values.Data()}, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// putElements decodes the ne element slots (nv of them values) among the
// levels c.lev..end of the page into eb at index at.
func (c *colState) putElements(eb *builder, at, ne, nv, end int) error {
	if c.val+nv > c.nvals {
		return errors.New("page has fewer values than its definition levels say")
	}
	s := segment{at: at, k: ne, v0: c.val, nv: nv}
	if nv != ne {
		c.edefs = c.edefs[:0]
		for _, d := range c.ldefs[c.lev:end] {
			if d >= c.elemDef {
				c.edefs = append(c.edefs, d)
			}
		}
		s.defs = c.edefs
	}
	eb.reserve(at + ne)
	if err := eb.put(c, s); err != nil {
		return err
	}
	c.val += nv
	return nil
}

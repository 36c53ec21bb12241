package lineage_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
)

func TestFileEmitterConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lineage.ndjson")
	const writers, runs = 8, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			// A separate emitter per writer, as separate processes would have.
			em := lineage.NewFileEmitter(path)
			for i := range runs {
				ctx, run := lineage.Start(context.Background(), lineage.Job{Namespace: "shop", Name: fmt.Sprintf("job-%d-%d", w, i)},
					lineage.WithEmitter(em))
				_, rd := run.Read(ctx, ordersIn, lineage.IOInfo{})
				rd.End(1, 1, wideSchema(50), nil) // ~3 KiB lines
				assert.NoError(t, run.End(ctx, nil))
			}
		})
	}
	wg.Wait()

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
	perRun := map[string][]string{}
	lines := 0
	for sc.Scan() {
		lines++
		var ev lineage.RunEvent
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev), "line %d", lines)
		perRun[ev.Run.RunID] = append(perRun[ev.Run.RunID], ev.EventType)
		if lines <= 2 {
			validateEvent(t, ev)
		}
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, 2*writers*runs, lines)
	assert.Len(t, perRun, writers*runs)
	for id, types := range perRun {
		assert.Equal(t, []string{"START", "COMPLETE"}, types, id)
	}
}

func TestFileEmitterErrors(t *testing.T) {
	em := lineage.NewFileEmitter(filepath.Join(t.TempDir(), "missing-dir", "x.ndjson"))
	require.Error(t, em.Emit(context.Background(), sampleEvent(t)))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	em = lineage.NewFileEmitter(filepath.Join(t.TempDir(), "x.ndjson"))
	assert.ErrorIs(t, em.Emit(ctx, sampleEvent(t)), context.Canceled)
}

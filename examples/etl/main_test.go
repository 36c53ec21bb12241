package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/lineage/lineagetest"
)

// TestETL runs the job on the shipped orders and checks the output, the
// quarantine, the spans and the OpenLineage events.
func TestETL(t *testing.T) {
	mem := arrowtest.Allocator(t)
	dir := t.TempDir()
	rec := lineagetest.NewRecorder(t)
	cfg := Config{
		In:             "../../testdata/orders/orders.parquet",
		Rules:          "orders.yaml",
		Out:            filepath.Join(dir, "orders_eur.parquet"),
		Quarantine:     filepath.Join(dir, "quarantine.parquet"),
		LineageFile:    filepath.Join(dir, ".sluice", "lineage.ndjson"),
		TracerProvider: rec.TracerProvider(),
		Mem:            mem,
	}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.NoError(t, res.LineageErr)
	rep := res.Report
	require.True(t, res.Committed, "gate %s: %v", rep.Status, rep.Gate.Reasons)
	assert.Equal(t, int64(10000), rep.RowsIn)
	assert.Equal(t, rep.RowsClean, res.RowsOut)
	assert.Equal(t, rep.RowsIn, rep.RowsClean+rep.RowsQuarantined)
	assert.Positive(t, rep.RowsQuarantined)

	// The output: no address in clear, amounts in euros, producer metadata.
	src, err := parquetconnector.NewSource(cfg.Out)
	require.NoError(t, err)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"order_id", "customer_id", "email_sha256", "amount_eur", "currency", "status", "ordered_at"}, fieldNames(schema))
	md := metadataMap(schema)
	assert.Equal(t, res.RunID, md[lineage.MetaRunID])
	rdr, err := src.Open(context.Background(), connectors.ReadOptions{Columns: []string{"email_sha256", "amount_eur"}, Allocator: mem})
	require.NoError(t, err)
	rows := int64(0)
	for rdr.Next() {
		b := rdr.RecordBatch()
		hashes := b.Column(0).(*array.String)
		eur := b.Column(1).(*array.Float64)
		for i := 0; i < int(b.NumRows()); i++ {
			assert.Len(t, hashes.Value(i), 64)
			assert.NotContains(t, hashes.Value(i), "@")
			assert.False(t, eur.IsNull(i))
			assert.GreaterOrEqual(t, eur.Value(i), 0.0)
		}
		rows += b.NumRows()
	}
	require.NoError(t, rdr.Err())
	rdr.Release()
	assert.Equal(t, res.RowsOut, rows)

	// Spans: the run, its read, check and two writes.
	root := rec.Span(t, "run orders.etl")
	names := []string{}
	for _, s := range rec.Children(root) {
		names = append(names, s.Name())
	}
	abs := func(p string) string { a, err := filepath.Abs(p); require.NoError(t, err); return a }
	assert.ElementsMatch(t, []string{"read file://" + abs(cfg.In), "check orders",
		"write file://" + abs(cfg.Quarantine), "write file://" + abs(cfg.Out)}, names)

	// Events: START and COMPLETE; the output's column lineage shows the
	// masked e-mail and the filter rules.
	f, err := os.Open(cfg.LineageFile)
	require.NoError(t, err)
	defer f.Close()
	var events []lineage.RunEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var ev lineage.RunEvent
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev))
		events = append(events, ev)
	}
	require.Len(t, events, 2)
	assert.Equal(t, "COMPLETE", events[1].EventType)
	var out *lineage.EventDataset
	for i := range events[1].Outputs {
		if events[1].Outputs[i].Name == abs(cfg.Out) {
			out = &events[1].Outputs[i]
		}
	}
	require.NotNil(t, out)
	var cl struct {
		Fields map[string]struct {
			InputFields []struct {
				Field           string                   `json:"field"`
				Transformations []lineage.Transformation `json:"transformations"`
			} `json:"inputFields"`
		} `json:"fields"`
		Dataset []struct {
			Field           string                   `json:"field"`
			Transformations []lineage.Transformation `json:"transformations"`
		} `json:"dataset"`
	}
	require.NoError(t, json.Unmarshal(out.Facets["columnLineage"], &cl))
	email := cl.Fields["email_sha256"].InputFields
	require.Len(t, email, 1)
	assert.Equal(t, "email", email[0].Field)
	assert.True(t, email[0].Transformations[0].Masking)
	assert.Len(t, cl.Fields["amount_eur"].InputFields, 2)
	assert.Equal(t, lineage.SubtypeIdentity, cl.Fields["order_id"].InputFields[0].Transformations[0].Subtype)
	filters := []string{}
	for _, d := range cl.Dataset {
		filters = append(filters, d.Transformations[0].Description)
	}
	assert.Contains(t, strings.Join(filters, ","), "amount_valid")
	assert.Contains(t, strings.Join(filters, ","), "email_format")
}

func fieldNames(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Name
	}
	return out
}

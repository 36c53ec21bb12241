package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestMaxRecordsWritesTheCumulativeReport(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "orders"), kfake.SeedTopics(1, "clean", "quarantine"))
	require.NoError(t, err)
	defer c.Close()
	addr := c.ListenAddrs()[0]
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	require.NoError(t, err)
	var recs []*kgo.Record
	for i := range 30 {
		amount := float64(i)
		if i%10 == 0 {
			amount = -1
		}
		recs = append(recs, &kgo.Record{Topic: "orders", Partition: int32(i % 2),
			Value: fmt.Appendf(nil, `{"order_id":%d,"amount":%g,"status":"paid"}`, i, amount)})
	}
	require.NoError(t, cl.ProduceSync(context.Background(), recs...).FirstErr())
	cl.Close()

	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{
		"--brokers", addr, "--topic", "orders", "--group", "g", "--rules", "../../testdata/orders.yaml",
		"--clean-topic", "clean", "--quarantine-topic", "quarantine", "--window", "10",
		"--ledger", filepath.Join(dir, "ledger.db"), "--max-records", "30", "--report", report,
	}, &stdout, &stderr)
	assert.Equal(t, 1, code, stderr.String()) // amount_non_negative fails on 3 rows
	assert.Equal(t, 3, bytes.Count(stdout.Bytes(), []byte("\n")), "one JSON line per window of 10")

	data, err := os.ReadFile(report)
	require.NoError(t, err)
	var got struct {
		Status string `json:"status"`
		RowsIn int64  `json:"rows_in"`
		Rules  []struct {
			Name   string `json:"name"`
			Failed int64  `json:"failed"`
		} `json:"rules"`
	}
	require.NoError(t, json.Unmarshal(data, &got), string(data))
	assert.Equal(t, "fail", got.Status)
	assert.Equal(t, int64(30), got.RowsIn)
	failed := map[string]int64{}
	for _, r := range got.Rules {
		failed[r.Name] = r.Failed
	}
	assert.Equal(t, int64(3), failed["amount_non_negative"])
}

func TestBadArguments(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), []string{"--topic", "t"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "brokers: required")
	stderr.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"--window", "soon"}, &stdout, &stderr))
}

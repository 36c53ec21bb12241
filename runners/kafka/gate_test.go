package kafka

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/pipeline"
)

const rulesPath = "testdata/orders.yaml"

// orderValue is record i: every 7th has a negative amount, every 11th no
// order_id, every 13th is not JSON.
func orderValue(i int) []byte {
	if i%13 == 12 {
		return []byte("not json")
	}
	amount := float64(i%50) + 0.5
	if i%7 == 3 {
		amount = -amount
	}
	status := []string{"new", "paid", "shipped"}[i%3]
	if i%11 == 5 {
		return fmt.Appendf(nil, `{"amount":%g,"status":%q}`, amount, status)
	}
	return fmt.Appendf(nil, `{"order_id":%d,"amount":%g,"status":%q}`, i, amount, status)
}

func cluster(t *testing.T, n int) []string {
	t.Helper()
	return clusterB(t, n)
}

func clusterB(t testing.TB, n int) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "orders"), kfake.SeedTopics(1, "clean", "quarantine"))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	require.NoError(t, err)
	defer cl.Close()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: "orders", Partition: int32(i % 4), Value: orderValue(i)}
	}
	require.NoError(t, cl.ProduceSync(context.Background(), recs...).FirstErr())
	return addrs
}

// fileReport is `sluice check` over the JSON objects among the first n
// records, in (partition, offset) order, as NDJSON.
func fileReport(t *testing.T, n int) *quality.Report {
	t.Helper()
	var buf bytes.Buffer
	for p := range 4 {
		for i := p; i < n; i += 4 {
			if v := orderValue(i); isObject(v) {
				buf.Write(v)
				buf.WriteByte('\n')
			}
		}
	}
	path := filepath.Join(t.TempDir(), "orders.ndjson")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	rep, err := pipeline.CheckFile(context.Background(), rulesPath, path)
	require.NoError(t, err)
	return rep
}

// assertSameReport compares what the JSON report promises to be stable.
func assertSameReport(t *testing.T, want, got *quality.Report) {
	t.Helper()
	assert.Equal(t, want.Status, got.Status)
	assert.Equal(t, want.RowsIn, got.RowsIn)
	require.Len(t, got.Rules, len(want.Rules))
	for i, w := range want.Rules {
		g := got.Rules[i]
		assert.Equal(t, w.Name, g.Name)
		assert.Equal(t, w.Status, g.Status, w.Name)
		assert.Equal(t, w.Evaluated, g.Evaluated, w.Name)
		assert.Equal(t, w.Passed, g.Passed, w.Name)
		assert.Equal(t, w.Failed, g.Failed, w.Name)
		assert.Equal(t, w.Skipped, g.Skipped, w.Name)
		assert.Equal(t, w.Metrics, g.Metrics, w.Name)
	}
}

func config(addrs []string, ledger string) Config {
	return Config{
		Brokers: addrs, Topic: "orders", Group: "gate", Rules: rulesPath,
		CleanTopic: "clean", QuarantineTopic: "quarantine",
		WindowRecords: 50, Ledger: ledger,
		// Members learn of a rebalance at their next heartbeat.
		ClientOptions: []kgo.Opt{kgo.HeartbeatInterval(100 * time.Millisecond)},
	}
}

func TestMaxRecordsReport(t *testing.T) {
	const n = 400
	addrs := cluster(t, n)
	ctx := context.Background()
	cfg := config(addrs, filepath.Join(t.TempDir(), "ledger.db"))
	cfg.MaxRecords = n
	var windows bytes.Buffer
	cfg.Windows = &windows
	g, err := New(ctx, cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, g.Close()) }()
	require.NoError(t, g.Run(ctx))
	st := g.Stats()
	assert.Equal(t, int64(n), st.Records)
	assert.Equal(t, int64(n), st.Clean+st.Quarantined)
	assert.Equal(t, bytes.Count(windows.Bytes(), []byte("\n")), st.Windows)
	assert.GreaterOrEqual(t, st.Windows, n/50)

	rep, err := g.Report(ctx)
	require.NoError(t, err)
	assertSameReport(t, fileReport(t, n), rep)
	require.NotNil(t, rep.DatasetID)
	assert.Equal(t, "kafka://"+addrs[0], rep.DatasetID.Namespace)
	assert.Equal(t, "orders", rep.DatasetID.Name)

	// The quarantine holds exactly the records failing an error rule or not
	// JSON, each with the failed rule names.
	want := map[string]int{}
	for i := range n {
		v := orderValue(i)
		switch {
		case !isObject(v):
			want[InvalidJSON]++
		case i%11 == 5 && i%7 == 3:
			want["order_id.required,amount_non_negative"]++
		case i%11 == 5:
			want["order_id.required"]++
		case i%7 == 3:
			want["amount_non_negative"]++
		}
	}
	got := map[string]int{}
	total := 0
	for _, r := range consume(t, addrs, "quarantine", int(st.Quarantined)) {
		total++
		for _, h := range r.Headers {
			if h.Key == FailedRulesHeader {
				got[string(h.Value)]++
			}
		}
	}
	assert.Equal(t, int(st.Quarantined), total)
	assert.Len(t, consume(t, addrs, "clean", int(st.Clean)), int(st.Clean))
	assertSameKeys(t, want, got)
}

// assertSameKeys compares header counts ignoring the order of rule names.
func assertSameKeys(t *testing.T, want, got map[string]int) {
	t.Helper()
	norm := func(m map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			out[sortNames(k)] += v
		}
		return out
	}
	assert.Equal(t, norm(want), norm(got))
}

func consume(t *testing.T, addrs []string, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	var out []*kgo.Record
	for len(out) < n {
		f := cl.PollFetches(context.Background())
		require.NoError(t, f.Err())
		out = append(out, f.Records()...)
	}
	return out
}

// Two members share the group and the ledger; one leaves mid-stream. The
// group's totals are exact: every record is accounted once.
func TestRebalanceTotalsExact(t *testing.T) {
	const n = 1000
	addrs := cluster(t, n)
	ctx := context.Background()
	ledger := filepath.Join(t.TempDir(), "ledger.db")
	done := func(total int64) bool { return total >= n }

	aStarted := make(chan struct{})
	var once sync.Once
	cfgA := config(addrs, ledger)
	cfgA.MaxRecords = 300
	cfgA.Until = func(total int64) bool {
		once.Do(func() { close(aStarted) })
		return done(total)
	}
	cfgB := config(addrs, ledger)
	var waited bool
	cfgB.Until = func(total int64) bool {
		if !waited {
			// Hold B after its first micro-batch until A has joined and
			// consumed: the group has rebalanced with both members.
			waited = true
			<-aStarted
		}
		return done(total)
	}

	b, err := New(ctx, cfgB)
	require.NoError(t, err)
	defer func() { require.NoError(t, b.Close()) }()
	bErr := make(chan error, 1)
	go func() { bErr <- b.Run(ctx) }()

	a, err := New(ctx, cfgA)
	require.NoError(t, err)
	require.NoError(t, a.Run(ctx))
	require.NoError(t, a.Close()) // leaves the group: B takes its partitions over
	require.NoError(t, <-bErr)

	sa, sb := a.Stats(), b.Stats()
	t.Logf("member A: %+v, member B: %+v", sa, sb)
	assert.Positive(t, sa.Records)
	assert.Positive(t, sb.Records)
	assert.Equal(t, int64(n), sa.Records+sb.Records)
	assert.Equal(t, int64(n), sa.Clean+sa.Quarantined+sb.Clean+sb.Quarantined)

	rep, err := b.Report(ctx)
	require.NoError(t, err)
	assertSameReport(t, fileReport(t, n), rep)
}

package kafka

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A value of the wrong type is bad data: a result, not a stopped member.
func TestWrongTypeIsBadData(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders", "clean", "quarantine"))
	require.NoError(t, err)
	defer c.Close()
	addrs := c.ListenAddrs()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	require.NoError(t, err)
	require.NoError(t, cl.ProduceSync(context.Background(),
		&kgo.Record{Topic: "orders", Value: []byte(`{"order_id":1,"amount":2.5,"status":"paid"}`)},
		&kgo.Record{Topic: "orders", Value: []byte(`{"order_id":"two","amount":"lots","status":7}`)},
	).FirstErr())
	cl.Close()
	cfg := config(addrs, filepath.Join(t.TempDir(), "ledger.db"))
	cfg.MaxRecords = 2
	g, err := New(context.Background(), cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, g.Close()) }()
	require.NoError(t, g.Run(context.Background()))
	rep, err := g.Report(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(2), rep.RowsIn)
	assert.Equal(t, int64(1), g.Stats().Quarantined)
	assert.Equal(t, int64(1), g.Stats().Clean)
	rec := consume(t, addrs, "quarantine", 1)[0]
	require.Len(t, rec.Headers, 1)
	assert.Equal(t, "amount.type,order_id.type,status.type,order_id.required", string(rec.Headers[0].Value))
}

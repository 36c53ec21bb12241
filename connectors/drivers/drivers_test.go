package drivers_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/connectors/drivers"
)

func TestRegister(t *testing.T) {
	r, err := drivers.New(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"file", "postgres", "postgresql", "s3", "sqlite"}, r.Schemes())
	assert.Error(t, drivers.Register(context.Background(), r), "registering twice")

	// Routing needs no server: sources connect lazily.
	src, err := r.Open("postgres://u@127.0.0.1:1/shop?table=sales.orders", builtin.Options{})
	require.NoError(t, err)
	assert.Equal(t, "postgres://127.0.0.1:1", src.Dataset().Namespace)
	assert.Equal(t, "shop.sales.orders", src.Dataset().Name)
	_, err = r.Create("postgres://u@127.0.0.1:1/shop?query=SELECT+1", builtin.Options{})
	require.ErrorIs(t, err, connectors.ErrUnsupported)

	src, err = r.Open("sqlite:///tmp/shop.db?table=orders", builtin.Options{})
	require.NoError(t, err)
	assert.Equal(t, "sqlite", src.Dataset().Namespace)
	assert.Equal(t, "/tmp/shop.db/orders", src.Dataset().Name)

	_, err = builtin.Open("sqlite:///tmp/shop.db?table=orders", builtin.Options{})
	require.ErrorIs(t, err, builtin.ErrUnknownScheme, "without a Registry only files route")
	_, err = builtin.Open("sqlite:///tmp/shop.db?table=orders", builtin.Options{Registry: r})
	require.NoError(t, err)
}

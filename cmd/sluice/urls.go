package main

import (
	"context"
	"sync"

	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/connectors/drivers"
)

// urls is the registry of the command: the built-in formats and the
// database and object-store schemes of connectors/drivers (sqlite://,
// postgres://, postgresql://, s3://).
var urls = sync.OnceValues(func() (*builtin.Registry, error) {
	return drivers.New(context.Background())
})

// withURLs returns o routing URL schemes through urls.
func withURLs(o builtin.Options) builtin.Options {
	if r, err := urls(); err == nil {
		o.Registry = r
	}
	return o
}

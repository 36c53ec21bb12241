package dbt

import "errors"

var (
	// ErrNotSchema is returned for YAML that has no models, sources,
	// seeds or snapshots.
	ErrNotSchema = errors.New("dbt: not a dbt schema file (want models:, sources:, seeds: or snapshots:)")
)

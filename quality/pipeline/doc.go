// Package pipeline checks a file against a rule file in one call, wired the
// way the sluice command wires it: the input opened with the built-in
// formats (Parquet, CSV, JSON, Arrow, directories and globs of them) typed
// by the rule file's schema hint, missing_references datasets opened the
// same way, the rule file's owner on the lineage run, masks, the history
// store and the clean and quarantine outputs.
//
//	rep, err := pipeline.CheckFile(ctx, "orders.yaml", "orders.parquet")
//
// A Pipeline holds the settings that CheckFile takes as defaults; its Check
// method checks one input and can be called again for the next.
//
// The package is separate from quality so that embedders who hand the gate
// their own Arrow readers (quality.Gate.Check) do not link the file formats.
// It opens no database driver itself: a Pipeline with a history store uses
// the store it is given, opened with history.Open through the drivers the
// program imports (history.ErrNoDriver otherwise).
package pipeline

package connectors

// ContentVersioner is implemented by sources that compute the version of
// their content while they are read (the CSV and JSON sources hash the file
// as it streams through), so that the audit trail records what was checked
// without a second pass over the data.
type ContentVersioner interface {
	// ContentVersion returns the version of the content the last complete
	// read saw ("sha256:<hex>"), false when no read has reached the end of
	// the input or the input cannot have one (a pipe).
	ContentVersion() (string, bool)
}

package arrowtypes

import "github.com/apache/arrow-go/v18/arrow"

// DeclaredOnlyKey is the field metadata key a reader sets (to "true") on a
// column it adds only because the rule file declares it, with no value of
// the data behind it: the JSON reader's hinted keys that no record read
// has. Schema functions of dataset checks (column_count(), columns()) leave
// such columns out.
const DeclaredOnlyKey = "sluice.declared_only"

// DeclaredOnly reports whether f carries DeclaredOnlyKey.
func DeclaredOnly(f arrow.Field) bool {
	i := f.Metadata.FindKey(DeclaredOnlyKey)
	return i >= 0 && f.Metadata.Values()[i] == "true"
}

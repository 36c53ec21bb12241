package rules_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluicedata/sluice/rules"
)

func TestErrorKind(t *testing.T) {
	tests := []struct{ msg, want string }{
		{`invalid RFC 3339 timestamp "alice@example.com"`, "invalid timestamp"},
		{`no such key: alice@example.com`, "no such key"},
		{`division by zero`, "division by zero"},
		{`modulus by zero`, "modulus by zero"},
		{`integer overflow`, "integer overflow"},
		{"error parsing regexp: missing argument to repetition operator: `+`", "regex: invalid input"},
		{`could not convert "+1 415 555 0199" to int64`, "invalid conversion"},
		{`type conversion error from 'string' to 'int'`, "type conversion error"},
		{`time: invalid duration "alice"`, "invalid duration"},
		{`index out of range: 7`, "index out of range"},
		{`operation cancelled: actual cost limit exceeded`, "cost limit exceeded"},
		{`no such overload: size(int)`, "no such overload"},
		{`join: invalid input: alice@example.com`, "join"},
		{`unsupported index value alice in the list of bob and carol`, "unsupported index value alice"},
		{`'alice@example.com' is odd`, "evaluation error"},
		{``, "evaluation error"},
	}
	for _, tc := range tests {
		t.Run(tc.msg, func(t *testing.T) {
			assert.Equal(t, tc.want, rules.ErrorKind(tc.msg))
		})
	}
}

func TestKnownErrorKind(t *testing.T) {
	assert.True(t, rules.KnownErrorKind("invalid timestamp"))
	assert.True(t, rules.KnownErrorKind(rules.OtherErrorKind))
	assert.True(t, rules.KnownErrorKind(rules.ErrorKind("division by zero")))
	assert.False(t, rules.KnownErrorKind(rules.ErrorKind("unsupported index value alice in the list")))
}

func TestErrorKindsCapped(t *testing.T) {
	kinds := map[string]int64{}
	for i := range 40 {
		rules.AddErrorKind(kinds, fmt.Sprintf("kind %c", 'a'+i%26)+fmt.Sprint(i/26), 1)
	}
	assert.Len(t, kinds, rules.MaxErrorKinds+1)
	assert.Equal(t, int64(40-rules.MaxErrorKinds), kinds[rules.OtherErrorKind])
	rules.AddErrorKind(kinds, "kind a0", 2)
	assert.Equal(t, int64(3), kinds["kind a0"], "a kept kind still counts")

	merged := map[string]int64{}
	rules.MergeErrorKinds(merged, kinds)
	rules.MergeErrorKinds(merged, map[string]int64{"yet another": 5})
	assert.Len(t, merged, rules.MaxErrorKinds+1)
	assert.Equal(t, int64(40-rules.MaxErrorKinds+5), merged[rules.OtherErrorKind])
}

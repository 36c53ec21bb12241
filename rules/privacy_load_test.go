package rules_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/rules"
)

func TestParsePrivacyErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		line int
		msg  string
	}{
		{"unknown gdpr tag", "columns:\n  s: {tags: [gdpr.personnal]}\n", 5, `unknown GDPR tag "gdpr.personnal" (did you mean "gdpr.personal"?)`},
		{"unknown gdpr tag far off", "columns:\n  s: {tags: [gdpr.article9]}\n", 5, "known: gdpr.personal, gdpr.special, gdpr.pseudonymized"},
		{"empty key", "columns:\n  s: {tags: ['=billing']}\n", 5, "needs a key"},
		{"unknown mask", "columns:\n  s: {mask: sha1}\n", 5, `columns.s.mask: unknown mask "sha1"`},
		{"bad truncate", "columns:\n  s: {mask: 'truncate:x'}\n", 5, "truncate:N needs a number"},
		{"bad detector regex", "privacy:\n  detectors:\n    - name: employee_id\n      pattern: 'E(\\d{6}'\n", 7, "privacy.detectors[0].pattern: invalid regular expression"},
		{"detector without pattern", "privacy:\n  detectors:\n    - name: x\n", 6, `missing required key "pattern"`},
		{"detector shadows builtin", "privacy:\n  detectors:\n    - {name: email, pattern: 'x'}\n", 6, "built-in kind"},
		{"detector bad name", "privacy:\n  detectors:\n    - {name: 'a b', pattern: 'x'}\n", 6, "must be an identifier"},
		{"duplicate detector", "privacy:\n  detectors:\n    - {name: a, pattern: 'x'}\n    - {name: a, pattern: 'y'}\n", 7, `duplicate detector "a"`},
		{"detect unknown custom", "privacy:\n  detectors:\n    - {name: employee_id, pattern: 'x'}\n  detect: [employe_id]\n", 7, `unknown detector "employe_id" (did you mean "employee_id"?)`},
		{"sample zero", "privacy:\n  sample: 0\n", 5, "privacy.sample: must be at least 1"},
		{"min_fraction above one", "privacy:\n  min_fraction: 2\n", 5, "privacy.min_fraction: must be in [0, 1]"},
		{"unknown zone", "privacy:\n  allow:\n    secret: []\n", 6, `privacy.allow: unknown key "secret"`},
		{"unknown tag in allow", "privacy:\n  allow:\n    public: [pii.emial]\n", 6, `privacy.allow.public: unknown PII kind "pii.emial"`},
		{"unknown privacy key", "privacy:\n  detectt: [email]\n", 5, `unknown key "detectt" (did you mean "detect"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.Parse("orders.yaml", []byte(header+tt.yaml))
			errs := problems(t, err)
			var found *rules.Problem
			for i := range errs {
				if strings.Contains(errs[i].Msg, tt.msg) {
					found = &errs[i]
				}
			}
			require.NotNil(t, found, "no problem with %q in:\n%v", tt.msg, err)
			assert.Equal(t, tt.line, found.Line, "line of %v", found)
		})
	}
}

func TestParsePrivacy(t *testing.T) {
	rs, err := rules.Parse("orders.yaml", []byte(header+`columns:
  email: {type: string, tags: [pii.email, gdpr.personal], mask: hmac}
  health: {type: string, tags: [gdpr.special, pii.health]}
  staff: {type: string, tags: [pii.employee_id, purpose=hr, retention=P30D, finance]}
  ip: {type: string, mask: 'truncate:7'}
privacy:
  detect: [email, employee_id, phone, email]
  detectors:
    - name: employee_id
      pattern: 'E\d{6}'
      description: staff numbers
  untagged_pii: error
  sample: 10
  min_fraction: 0.01
  allow:
    internal: [pii.email, gdpr.personal, pii.employee_id]
    public: []
`))
	require.NoError(t, err)
	p := rs.Privacy
	require.NotNil(t, p)
	assert.Equal(t, []string{"email", "employee_id", "phone"}, p.Detect, "in order, without duplicates")
	assert.Equal(t, "error", p.UntaggedPII)
	assert.Equal(t, 10, p.Sample)
	assert.InDelta(t, 0.01, p.MinFraction, 1e-12)
	assert.Equal(t, map[string][]string{
		"internal": {"pii.email", "gdpr.personal", "pii.employee_id"},
		"public":   {},
	}, p.Allow)
	require.Len(t, p.Detectors, 1)
	d := p.Detectors[0]
	assert.Equal(t, "employee_id", d.Kind)
	assert.True(t, d.Func("E123456"))
	assert.False(t, d.Func("xE123456"), "anchored")
	scanners := p.Scanners()
	require.Len(t, scanners, 3)
	assert.Equal(t, []string{"email", "employee_id", "phone"}, []string{scanners[0].Kind, scanners[1].Kind, scanners[2].Kind})

	assert.Equal(t, "hmac", rs.Columns[0].Mask)
	assert.Equal(t, "truncate:7", rs.Columns[3].Mask)
	assert.Equal(t, []string{"pii.employee_id", "purpose=hr", "retention=P30D", "finance"}, rs.ColumnTags("staff"))
	assert.True(t, rs.IsPII("health"))
}

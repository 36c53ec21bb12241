package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// passingOrders is a rule file the orders data passes, with the e-mail
// column tagged and a detector scan.
const passingOrders = `version: 1
dataset: orders
owner: team@example.com
columns:
  email: {type: string, tags: [pii.email, gdpr.personal]}
rules:
  - name: positive_ids
    expr: order_id > 0
privacy:
  detect: [email]
  allow:
    internal: [gdpr.personal]
`

func writeRules(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestMaskFlags(t *testing.T) {
	rulesPath := writeRules(t, passingOrders)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	const key = "s3cret-key-never-printed-0123456789"
	require.NoError(t, os.WriteFile(keyFile, []byte(key+"\n"), 0o600))
	input := "../../testdata/orders/orders.csv"

	out := filepath.Join(dir, "clean.csv")
	code, stdout, stderr := sluice(t, "check", "--rules", rulesPath, "--out", out,
		"--mask", "email=hmac", "--mask-key-file", keyFile, "--mask", "contact=redact", input)
	require.Equal(t, exitPass, code, stderr+stdout)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "customer39@example.com", "the e-mail column is masked")
	assert.NotContains(t, string(data), "+49 30 901820", "the contact column is redacted")
	assert.Contains(t, string(data), "[redacted]")
	assert.NotContains(t, stdout+stderr, key)

	// The zone policy: internal allows gdpr.personal but not pii.email.
	out2 := filepath.Join(dir, "internal.csv")
	code, stdout, stderr = sluice(t, "check", "--rules", rulesPath, "--out", out2, "--zone", "internal", "--format", "json", input)
	require.Equal(t, exitFail, code, stderr)
	r := decodeReport(t, stdout)
	var policy *jsonRule
	for i := range r.Rules {
		if r.Rules[i].Name == "privacy.policy.email" {
			policy = &r.Rules[i]
		}
	}
	require.NotNil(t, policy, stdout)
	assert.Equal(t, "fail", policy.Status)
	assert.NoFileExists(t, out2, "a policy violation aborts the clean output")

	// The untagged contact column holds e-mail addresses the detector
	// found: it is refused too.
	var contact *jsonRule
	for i := range r.Rules {
		if r.Rules[i].Name == "privacy.policy.contact" {
			contact = &r.Rules[i]
		}
	}
	require.NotNil(t, contact, stdout)

	// Masked, the columns may go to the internal zone.
	code, _, stderr = sluice(t, "check", "--rules", rulesPath, "--out", out2, "--zone", "internal",
		"--mask", "email=truncate:3", "--mask", "contact=null", input)
	require.Equal(t, exitPass, code, stderr)
	assert.FileExists(t, out2)
}

func TestMaskFlagErrors(t *testing.T) {
	t.Setenv("SLUICE_TEST_SHORT_KEY", "tooshort")
	rulesPath := writeRules(t, passingOrders)
	hmacRules := writeRules(t, strings.Replace(passingOrders, "gdpr.personal]}", "gdpr.personal], mask: hmac}", 1))
	input := "../../testdata/orders/orders.csv"
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"hmac flag without key", []string{"--mask", "email=hmac", "--mask-key-env", "SLUICE_TEST_UNSET_KEY"}, "hmac masks need a key"},
		{"hmac in the rule file without key", []string{"--rules", hmacRules, "--mask-key-env", "SLUICE_TEST_UNSET_KEY"}, "SLUICE_TEST_UNSET_KEY is not set"},
		{"short key", []string{"--mask", "email=hmac", "--mask-key-env", "SLUICE_TEST_SHORT_KEY"}, "shorter than"},
		{"missing key file", []string{"--mask", "email=hmac", "--mask-key-file", filepath.Join(t.TempDir(), "absent")}, "hmac masks need a key"},
		{"bad mask spec", []string{"--mask", "email"}, "COLUMN=hmac"},
		{"unknown mask", []string{"--mask", "email=sha1"}, "unknown mask"},
		{"unknown column", []string{"--mask", "mail=redact"}, `no column "mail"`},
		{"bad zone", []string{"--zone", "dmz"}, "--zone must be"},
		{"mask a type it cannot", []string{"--mask", "order_id=truncate:2", "--out", filepath.Join(t.TempDir(), "o.csv")}, "cannot mask"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"check", "--rules", rulesPath}, tt.args...)
			code, _, stderr := sluice(t, append(args, input)...)
			assert.Equal(t, exitUsage, code, stderr)
			assert.Contains(t, stderr, tt.msg)
			assert.NotContains(t, stderr, "tooshort", "the key is never printed")
		})
	}
}

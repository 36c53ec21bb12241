package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScan(t *testing.T) {
	orders := filepath.Join("..", "..", "testdata", "orders", "orders.parquet")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
		wantErr  string
	}{
		{
			name: "orders", args: []string{orders},
			want: []string{
				"scanned 10000 rows (every row)",
				"  email: {tags: [pii.email]}  # 9922 of 9963 values look like e-mail addresses",
				"  contact: {tags: [pii.phone, pii.email]}  # 9971 of 10000 values look like phone numbers, 29 like e-mail addresses",
				"status    -      0 of 10000",
			},
		},
		{
			name: "sampled", args: []string{"--sample", "100", orders},
			want: []string{"scanned 100 rows (1 row in 100)", "  email: {tags: [pii.email]}"},
		},
		{name: "no input", args: nil, wantCode: exitUsage, wantErr: "usage: sluice scan"},
		{name: "bad sample", args: []string{"--sample", "0", orders}, wantCode: exitUsage, wantErr: "--sample must be at least 1"},
		{name: "missing file", args: []string{"nope.parquet"}, wantCode: exitRuntime, wantErr: "nope.parquet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := sluice(t, append([]string{"scan"}, tt.args...)...)
			assert.Equal(t, tt.wantCode, code, errOut)
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			if tt.wantErr != "" {
				assert.Contains(t, errOut, tt.wantErr)
			}
		})
	}
}

func TestYAMLKey(t *testing.T) {
	assert.Equal(t, "email", yamlKey("email"))
	assert.Equal(t, "e_mail-2", yamlKey("e_mail-2"))
	assert.Equal(t, `"Cost Total $"`, yamlKey("Cost Total $"))
	assert.Equal(t, `"1st"`, yamlKey("1st"))
	assert.Equal(t, `""`, yamlKey(""))
}

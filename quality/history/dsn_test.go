package history

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn     string
		backend string
		path    string
		url     string
	}{
		{dsn: "", backend: BackendSQLite, path: DefaultDSN},
		{dsn: "h.db", backend: BackendSQLite, path: "h.db"},
		{dsn: ".sluice/history.db", backend: BackendSQLite, path: ".sluice/history.db"},
		{dsn: "/var/lib/sluice/h.db", backend: BackendSQLite, path: "/var/lib/sluice/h.db"},
		{dsn: "./odd:name.db", backend: BackendSQLite, path: "./odd:name.db"},
		{dsn: `C:\data\h.db`, backend: BackendSQLite, path: `C:\data\h.db`},
		{dsn: "sqlite:h.db", backend: BackendSQLite, path: "h.db"},
		{dsn: "sqlite:/abs/h.db", backend: BackendSQLite, path: "/abs/h.db"},
		{dsn: "sqlite://h.db", backend: BackendSQLite, path: "h.db"},
		{dsn: "sqlite:///abs/h.db", backend: BackendSQLite, path: "/abs/h.db"},
		{dsn: "SQLite:h.db", backend: BackendSQLite, path: "h.db"},
		{dsn: "postgres://u:pw@host/db", backend: BackendPostgres, url: "postgres://u:pw@host/db"},
		{dsn: "postgresql://host:5433/db?sslmode=disable", backend: BackendPostgres, url: "postgresql://host:5433/db?sslmode=disable"},
		{dsn: "POSTGRES://host/db", backend: BackendPostgres, url: "postgres://host/db"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			d, err := ParseDSN(tt.dsn)
			require.NoError(t, err)
			assert.Equal(t, DSN{Backend: tt.backend, Path: tt.path, URL: tt.url}, d)
		})
	}
}

func TestParseDSNRefuses(t *testing.T) {
	tests := []struct {
		dsn  string
		want string // in the message
	}{
		{dsn: "postgress://u:s3cr3t@host/db", want: `"postgress://…@host/db": scheme "postgress"`},
		{dsn: "xyz://u:s3cr3t@host/db", want: `scheme "xyz"`},
		{dsn: "http:h.db", want: `scheme "http"`},
		{dsn: "mysql://root:s3cr3t@localhost/db?password=s3cr3t", want: `scheme "mysql"`},
		{dsn: "u:s3cr3t@host/db", want: `scheme "u"`},
		{dsn: "postgres:host/db", want: "want postgres://"},
		{dsn: "sqlite:", want: "names no SQLite file"},
		{dsn: "sqlite://u:s3cr3t@host/h.db", want: "no host or credentials"},
		{dsn: "sqlite:h.db?_pragma=x&password=s3cr3t", want: "no query"},
		{dsn: "//u:s3cr3t@host/db", want: "no host or credentials"},
		{dsn: "host=db user=u password=s3cr3t dbname=x", want: "keyword/value"},
		{dsn: "host=db password='s3 cr3t'", want: "keyword/value"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			_, err := ParseDSN(tt.dsn)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrDSN)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "s3cr3t")
			assert.NotContains(t, err.Error(), "cr3t")
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:pw@host/db", "postgres://…@host/db"},
		{"postgres://host/db", "postgres://host/db"},
		{"postgres://u:p@ss@host/db", "postgres://…@host/db"},
		{"postgres://host/db?sslmode=require&password=pw", "postgres://host/db?sslmode=require&password=…"},
		{"postgres://host/db?PassWord=pw", "postgres://host/db?PassWord=…"},
		{"host=x password=pw user=u", "host=x password=… user=u"},
		{"h.db", "h.db"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, RedactDSN(tt.in), tt.in)
	}
}

// TestOpenRefusesUnknownSchemes: a typo never becomes a SQLite file named
// after the URL.
func TestOpenRefusesUnknownSchemes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	_, err := Open(context.Background(), "postgress://u:s3cr3t@host/db")
	require.ErrorIs(t, err, ErrDSN)
	assert.NotContains(t, err.Error(), "s3cr3t")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no file may be created")
}

func TestOpenSQLiteForms(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{filepath.Join(dir, "a.db"), "sqlite:" + filepath.Join(dir, "b.db"), "sqlite://" + filepath.Join(dir, "c.db")} {
		s, err := Open(context.Background(), dsn)
		require.NoError(t, err, dsn)
		require.NoError(t, s.Close())
	}
	for _, name := range []string{"a.db", "b.db", "c.db"} {
		assert.FileExists(t, filepath.Join(dir, name))
	}
}

func TestOpenPostgresErrorHidesThePassword(t *testing.T) {
	// Nothing listens on port 1: the connection fails fast.
	_, err := Open(context.Background(), "postgres://alice:s3cr3t-pw@127.0.0.1:1/db?connect_timeout=2")
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrDSN)
	assert.NotContains(t, err.Error(), "s3cr3t-pw")
}

func TestScrub(t *testing.T) {
	base := errors.New(`dial postgres://alice:p%40ss@host/db?password=q1: password p@ss rejected, q1`)
	err := scrub(base, "postgres://alice:p%40ss@host/db?password=q1")
	assert.ErrorIs(t, err, base)
	assert.NotContains(t, err.Error(), "p@ss")
	assert.NotContains(t, err.Error(), "p%40ss")
	assert.NotContains(t, err.Error(), "q1")
}

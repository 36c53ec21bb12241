// Package drivers registers Sluice's database and object-store connectors
// on a builtin.Registry: sqlite:// (sqliteconnector), postgres:// and
// postgresql:// (postgresconnector) and s3:// (blobconnector with
// gocloud.dev's S3 driver).
//
// Importing this package links modernc.org/sqlite, jackc/pgx and the AWS
// SDK. The sluice command imports it; a program that reads only files uses
// builtin alone and links none of them, and a program that wants one
// scheme registers that connector's opener itself.
package drivers

import (
	"context"
	"net/url"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/blobconnector"
	"github.com/sluicedata/sluice/connectors/blobconnector/s3blobdriver"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/connectors/postgresconnector"
	"github.com/sluicedata/sluice/connectors/sqliteconnector"
)

// Schemes are the URL schemes Register routes.
var Schemes = []string{"postgres", "postgresql", s3blobdriver.Scheme, "sqlite"}

// New returns a registry of the built-in formats and every scheme of
// Schemes. ctx is the context buckets are opened with; they stay open
// for the life of the program.
func New(ctx context.Context) (*builtin.Registry, error) {
	r := builtin.New()
	if err := Register(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Register routes the schemes of Schemes on r. A source of a table is
// typed by the options' SchemaHint as files are (SQLite's dynamic values
// converted to the declared types, PostgreSQL integers widened), and its
// error messages show values through Options.Redact.
func Register(ctx context.Context, r *builtin.Registry) error {
	pg := builtin.Opener{
		Source: func(u *url.URL, opts builtin.Options) (connectors.Source, error) {
			var so []postgresconnector.SourceOption
			if opts.SchemaHint != nil {
				so = append(so, postgresconnector.WithSchema(opts.SchemaHint))
			}
			if opts.Redact != nil {
				so = append(so, postgresconnector.WithRedact(opts.Redact))
			}
			return postgresconnector.OpenURL(ctx, u, so...)
		},
		Sink: func(u *url.URL, _ builtin.Options) (connectors.Sink, error) {
			return postgresconnector.SinkURL(ctx, u)
		},
	}
	lite := builtin.Opener{
		Source: func(u *url.URL, opts builtin.Options) (connectors.Source, error) {
			var so []sqliteconnector.SourceOption
			if opts.SchemaHint != nil {
				so = append(so, sqliteconnector.WithSchema(opts.SchemaHint))
			}
			if opts.Redact != nil {
				so = append(so, sqliteconnector.WithRedact(opts.Redact))
			}
			return sqliteconnector.OpenURL(ctx, u, so...)
		},
		Sink: func(u *url.URL, _ builtin.Options) (connectors.Sink, error) {
			return sqliteconnector.SinkURL(ctx, u)
		},
	}
	for scheme, o := range map[string]builtin.Opener{
		"postgres": pg, "postgresql": pg, "sqlite": lite, s3blobdriver.Scheme: blobconnector.Opener(ctx),
	} {
		if err := r.Register(scheme, o); err != nil {
			return err
		}
	}
	return nil
}

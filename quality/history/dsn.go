package history

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// ErrDSN is wrapped by Open's error for a DSN it does not accept: an
// unknown scheme (a typo such as postgress:// must not become a SQLite file
// named after the URL), or a SQLite form it cannot use. Its messages never
// contain a password.
var ErrDSN = errors.New("history: unsupported DSN")

// Backends of a DSN.
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// DSN is a parsed history store location.
type DSN struct {
	// Backend is BackendSQLite or BackendPostgres.
	Backend string
	// Path is the SQLite file (for BackendSQLite).
	Path string
	// URL is the PostgreSQL connection URL (for BackendPostgres), with
	// its credentials.
	URL string
}

// String is the DSN for messages: the SQLite path, or the URL without its
// password.
func (d DSN) String() string {
	if d.Backend == BackendPostgres {
		return RedactDSN(d.URL)
	}
	return d.Path
}

// schemeRE matches a URL scheme at the start of a DSN (RFC 3986).
var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// libpqKeyRE recognises a PostgreSQL keyword/value connection string,
// which must not become a file name either.
var libpqKeyRE = regexp.MustCompile(`(^|\s)(host|hostaddr|port|dbname|user|password|sslmode|passfile)\s*=`)

// ParseDSN says where a DSN points, accepting only these forms:
//
//	""                                  DefaultDSN
//	.sluice/history.db, /var/h.db       the path of a SQLite file
//	sqlite:PATH, sqlite://PATH          the same (sqlite:///abs/h.db is /abs/h.db)
//	postgres://…, postgresql://…        PostgreSQL
//
// Anything else — another scheme (xyz://, postgress://, http:), a SQLite
// form with a host, credentials or query, a keyword/value PostgreSQL
// string — is an error wrapping ErrDSN, whose message shows the DSN
// without its password. A file whose name starts with what looks like a
// scheme is written ./name:with-colon.db.
func ParseDSN(dsn string) (DSN, error) {
	if dsn == "" {
		return DSN{Backend: BackendSQLite, Path: DefaultDSN}, nil
	}
	m := schemeRE.FindStringSubmatch(dsn)
	if m == nil || isDrive(dsn) {
		if libpqKeyRE.MatchString(dsn) {
			return DSN{}, fmt.Errorf("%w: %q looks like a PostgreSQL keyword/value string: write it as a postgres:// URL", ErrDSN, RedactDSN(dsn))
		}
		return sqlitePath(dsn, dsn)
	}
	scheme := strings.ToLower(m[1])
	rest := dsn[len(m[0]):]
	switch scheme {
	case "sqlite":
		path := rest
		if strings.HasPrefix(rest, "//") {
			path = rest[2:]
		}
		return sqlitePath(dsn, path)
	case "postgres", "postgresql":
		if !strings.HasPrefix(rest, "//") {
			return DSN{}, fmt.Errorf("%w: %q: want %s://[user[:password]@]host[:port]/database", ErrDSN, RedactDSN(dsn), scheme)
		}
		if _, err := url.Parse(dsn); err != nil {
			return DSN{}, fmt.Errorf("%w: %q is not a valid URL", ErrDSN, RedactDSN(dsn))
		}
		return DSN{Backend: BackendPostgres, URL: scheme + ":" + rest}, nil
	}
	return DSN{}, fmt.Errorf("%w: %q: scheme %q is not one of a SQLite path, sqlite:PATH, postgres:// or postgresql:// (for a file, write ./%s)",
		ErrDSN, RedactDSN(dsn), m[1], "NAME")
}

func sqlitePath(dsn, path string) (DSN, error) {
	switch {
	case path == "":
		return DSN{}, fmt.Errorf("%w: %q names no SQLite file", ErrDSN, RedactDSN(dsn))
	case strings.ContainsAny(path, "?#"):
		return DSN{}, fmt.Errorf("%w: %q: a SQLite path takes no query or fragment", ErrDSN, RedactDSN(dsn))
	case strings.HasPrefix(path, "//"), strings.Contains(hostPart(path), "@"):
		return DSN{}, fmt.Errorf("%w: %q: a SQLite path has no host or credentials", ErrDSN, RedactDSN(dsn))
	}
	return DSN{Backend: BackendSQLite, Path: path}, nil
}

// hostPart is what a URL parser would take for the authority of path.
func hostPart(path string) string {
	if i := strings.IndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return path
}

// isDrive reports a Windows drive path (C:\x, C:/x).
func isDrive(s string) bool {
	return len(s) >= 3 && (s[0]|0x20 >= 'a' && s[0]|0x20 <= 'z') && s[1] == ':' && (s[2] == '\\' || s[2] == '/')
}

// secretParams are query parameters that carry credentials.
var secretParams = []string{"password", "sslpassword", "pass", "pwd", "secret", "token", "sslkey"}

// RedactDSN returns dsn fit for a message or a log: the userinfo of a URL
// (user and password) is replaced by "…", as are the values of password
// query parameters and of a keyword/value password=… entry. Text that does
// not parse is cut after its scheme.
func RedactDSN(dsn string) string {
	prefix := ""
	if m := schemeRE.FindStringSubmatch(dsn); m != nil && !isDrive(dsn) {
		prefix = m[0]
	} else if !strings.HasPrefix(dsn, "//") {
		dsn = redactKeywords(dsn)
	}
	rest := dsn[len(prefix):]
	// The authority ends at the first '/', '?' or '#' after "//"; the
	// userinfo is everything up to its last '@'.
	if strings.HasPrefix(rest, "//") {
		auth := rest[2:]
		end := strings.IndexAny(auth, "/?#")
		if end < 0 {
			end = len(auth)
		}
		if at := strings.LastIndexByte(auth[:end], '@'); at >= 0 {
			auth = "…" + auth[at:]
		}
		rest = "//" + auth
	} else if at := strings.LastIndexByte(hostPart(rest), '@'); at >= 0 {
		rest = "…" + rest[at:]
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest = rest[:q+1] + redactQuery(rest[q+1:])
	}
	return prefix + rest
}

func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		for _, s := range secretParams {
			if strings.EqualFold(key, s) {
				parts[i] = k + "=…"
			}
		}
	}
	return strings.Join(parts, "&")
}

var keywordPasswordRE = regexp.MustCompile(`(?i)\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)`)

func redactKeywords(s string) string {
	return keywordPasswordRE.ReplaceAllString(s, "$1=…")
}

// redactedError shows err's message without the secrets of a DSN, and
// unwraps to err.
type redactedError struct {
	err error
	r   *strings.Replacer
}

func (e *redactedError) Error() string { return e.r.Replace(e.err.Error()) }

func (e *redactedError) Unwrap() error { return e.err }

// scrub wraps err so that its message contains neither the DSN with its
// credentials nor the password on its own (also percent-encoded), nor a
// secret query parameter: whatever the driver puts in its messages.
func scrub(err error, dsn string) error {
	if err == nil {
		return nil
	}
	pairs := []string{dsn, RedactDSN(dsn)}
	if u, perr := url.Parse(dsn); perr == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			pairs = append(pairs, pw, "…", url.QueryEscape(pw), "…", url.PathEscape(pw), "…")
		}
		for k, vs := range u.Query() {
			for _, s := range secretParams {
				if !strings.EqualFold(k, s) {
					continue
				}
				for _, v := range vs {
					if v != "" {
						pairs = append(pairs, v, "…")
					}
				}
			}
		}
	}
	return &redactedError{err: err, r: strings.NewReplacer(pairs...)}
}

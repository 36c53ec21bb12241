package history

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// runKey names one run of the store.
type runKey struct{ dataset, run, part string }

// digestPrefix versions the digest encoding.
const digestPrefix = "sluice run digest v1\n"

// digester writes length-prefixed fields, so that no two different
// sequences of fields encode alike.
type digester struct{ buf bytes.Buffer }

func (d *digester) bytes(b []byte) {
	d.buf.Write(binary.AppendUvarint(nil, uint64(len(b))))
	d.buf.Write(b)
}

func (d *digester) str(s string) { d.bytes([]byte(s)) }

func (d *digester) int(v int64) { d.str(strconv.FormatInt(v, 10)) }

func (d *digester) count(n int) { d.buf.Write(binary.AppendUvarint(nil, uint64(n))) }

// runDigest returns the metrics digest of a run: "sha256:<hex>" of its
// runs row, its metric_values rows and its states rows exactly as stored,
// or "" when the store holds nothing of the run. The encoding
// (digestPrefix, then length-prefixed fields; rows sorted bytewise in Go,
// so the collation of the database does not matter) is:
//
//	runs:          count (0 or 1), then namespace, name, started_at, status,
//	               metrics_json, schema_fingerprint, schema_fields
//	metric_values: count, then per row by metric and started_at: metric,
//	               started_at, status, value (shortest float text or "null"),
//	               value_json
//	states:        count, then per row by metric: metric, state
func (s *sqlStore) runDigest(ctx context.Context, q queryer, dataset, run, part string) (string, error) {
	var d digester
	d.buf.WriteString(digestPrefix)
	n := 0

	type runRow struct {
		ns, name, status, mj, fp, fields string
		at                               int64
	}
	var runsRows []runRow
	rows, err := q.QueryContext(ctx, s.q(`SELECT namespace, name, started_at, status, metrics_json, schema_fingerprint, schema_fields
		FROM runs WHERE dataset = ? AND run_id = ? AND part = ?`), dataset, run, part)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var r runRow
		if err := rows.Scan(&r.ns, &r.name, &r.at, &r.status, &r.mj, &r.fp, &r.fields); err != nil {
			rows.Close()
			return "", err
		}
		runsRows = append(runsRows, r)
	}
	if err := closeRows(rows); err != nil {
		return "", err
	}
	d.count(len(runsRows))
	for _, r := range runsRows {
		d.str(r.ns)
		d.str(r.name)
		d.int(r.at)
		d.str(r.status)
		d.str(r.mj)
		d.str(r.fp)
		d.str(r.fields)
	}
	n += len(runsRows)

	type valueRow struct {
		metric, status, value, vj string
		at                        int64
	}
	var values []valueRow
	rows, err = q.QueryContext(ctx, s.q(`SELECT metric, started_at, status, value, value_json
		FROM metric_values WHERE dataset = ? AND run_id = ? AND part = ?`), dataset, run, part)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var r valueRow
		var v sql.NullFloat64
		if err := rows.Scan(&r.metric, &r.at, &r.status, &v, &r.vj); err != nil {
			rows.Close()
			return "", err
		}
		r.value = "null"
		if v.Valid {
			r.value = strconv.FormatFloat(v.Float64, 'g', -1, 64)
		}
		values = append(values, r)
	}
	if err := closeRows(rows); err != nil {
		return "", err
	}
	slices.SortFunc(values, func(a, b valueRow) int {
		if a.metric != b.metric {
			return strings.Compare(a.metric, b.metric)
		}
		return cmp.Compare(a.at, b.at)
	})
	d.count(len(values))
	for _, r := range values {
		d.str(r.metric)
		d.int(r.at)
		d.str(r.status)
		d.str(r.value)
		d.str(r.vj)
	}
	n += len(values)

	type stateRow struct {
		metric string
		state  []byte
	}
	var states []stateRow
	rows, err = q.QueryContext(ctx, s.q(`SELECT metric, state FROM states WHERE dataset = ? AND run_id = ? AND part = ?`), dataset, run, part)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var r stateRow
		if err := rows.Scan(&r.metric, &r.state); err != nil {
			rows.Close()
			return "", err
		}
		states = append(states, r)
	}
	if err := closeRows(rows); err != nil {
		return "", err
	}
	slices.SortFunc(states, func(a, b stateRow) int { return strings.Compare(a.metric, b.metric) })
	d.count(len(states))
	for _, r := range states {
		d.str(r.metric)
		d.bytes(r.state)
	}
	n += len(states)

	if n == 0 {
		return "", nil
	}
	sum := sha256.Sum256(d.buf.Bytes())
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

package kafka

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	_ "modernc.org/sqlite" // the SQLite driver of the ledger
)

// ledger is the per-partition state of a consumer group: every accounted
// record value and the next offset of each partition, in a SQLite file.
type ledger struct {
	db    *sql.DB
	group string
	topic string
}

const ledgerSchema = `
CREATE TABLE IF NOT EXISTS kafka_offsets (
	grp TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL, next_offset INTEGER NOT NULL,
	PRIMARY KEY (grp, topic, part));
CREATE TABLE IF NOT EXISTS kafka_records (
	grp TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL, off INTEGER NOT NULL,
	valid INTEGER NOT NULL, value BLOB NOT NULL,
	PRIMARY KEY (grp, topic, part, off));
`

func openLedger(ctx context.Context, path, group, topic string) (*ledger, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, fmt.Errorf("kafka: ledger %s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, ledgerSchema); err != nil {
		return nil, errors.Join(fmt.Errorf("kafka: ledger %s: %w", path, err), db.Close())
	}
	return &ledger{db: db, group: group, topic: topic}, nil
}

func (l *ledger) Close() error { return l.db.Close() }

// next returns the stored next offset of partition p, and whether one is
// stored.
func (l *ledger) next(ctx context.Context, p int32) (int64, bool, error) {
	var off int64
	err := l.db.QueryRowContext(ctx, `SELECT next_offset FROM kafka_offsets WHERE grp=? AND topic=? AND part=?`,
		l.group, l.topic, p).Scan(&off)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("kafka: ledger: %w", err)
	}
	return off, true, nil
}

// entry is one accounted record.
type entry struct {
	offset int64
	valid  bool
	value  []byte
}

// store records the entries of partition p and its next offset in one
// transaction. It refuses entries whose offset is below the stored next
// offset: the caller filters them first.
func (l *ledger) store(ctx context.Context, p int32, entries []entry, next int64) (err error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kafka: ledger: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(fmt.Errorf("kafka: ledger: %w", err), tx.Rollback())
		}
	}()
	var stored int64 = -1
	if err = tx.QueryRowContext(ctx, `SELECT next_offset FROM kafka_offsets WHERE grp=? AND topic=? AND part=?`,
		l.group, l.topic, p).Scan(&stored); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	err = nil
	for _, e := range entries {
		if e.offset < stored {
			return fmt.Errorf("partition %d offset %d is already accounted (next %d)", p, e.offset, stored)
		}
		if _, err = tx.ExecContext(ctx, `INSERT INTO kafka_records (grp, topic, part, off, valid, value) VALUES (?,?,?,?,?,?)`,
			l.group, l.topic, p, e.offset, e.valid, e.value); err != nil {
			return err
		}
	}
	if _, err = tx.ExecContext(ctx, `INSERT INTO kafka_offsets (grp, topic, part, next_offset) VALUES (?,?,?,?)
		ON CONFLICT (grp, topic, part) DO UPDATE SET next_offset = excluded.next_offset`,
		l.group, l.topic, p, next); err != nil {
		return err
	}
	return tx.Commit()
}

// count returns the number of accounted records, valid or not.
func (l *ledger) count(ctx context.Context) (int64, error) {
	var n int64
	err := l.db.QueryRowContext(ctx, `SELECT count(*) FROM kafka_records WHERE grp=? AND topic=?`, l.group, l.topic).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("kafka: ledger: %w", err)
	}
	return n, nil
}

// dump writes the valid values as NDJSON in (partition, offset) order and
// returns how many invalid records were accounted.
func (l *ledger) dump(ctx context.Context, w io.Writer) (invalid int64, err error) {
	rows, err := l.db.QueryContext(ctx, `SELECT valid, value FROM kafka_records WHERE grp=? AND topic=? ORDER BY part, off`,
		l.group, l.topic)
	if err != nil {
		return 0, fmt.Errorf("kafka: ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var valid bool
		var v []byte
		if err := rows.Scan(&valid, &v); err != nil {
			return 0, fmt.Errorf("kafka: ledger: %w", err)
		}
		if !valid {
			invalid++
			continue
		}
		if _, err := w.Write(append(v, '\n')); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("kafka: ledger: %w", err)
	}
	return invalid, nil
}

// Package sqlite is the embedded store: workflow state, dead letters, the
// ingest spool, and — in embedded mode — readings and AQI series. It uses the
// pure-Go modernc.org/sqlite driver so the binary needs no C toolchain.
//
// One file per interface it adapts: db.go (opening, readiness, kv),
// migrate.go (the schema), readings.go, aqi.go, deadletters.go, spool.go;
// the warning lifecycle's stores in proposals.go, warnings.go, audit.go,
// prompts.go and forecasts.go; the delivery side (Deliveries) in
// deliveries.go (notify.Log), caps.go (publish.CAPStore) and followup.go
// (followup.Store: notices, tasks, the board).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// DB is the embedded store.
type DB struct {
	db   *sql.DB
	Now  func() time.Time
	path string

	probeMu  sync.Mutex
	probed   time.Time
	probeErr error
}

var _ lifecycle.Store = (*DB)(nil)

// Open opens (creating when needed) the store in dir/aqwarn.db and migrates it.
func Open(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: "sqlite.Open", Message: "cannot create store directory " + dir, Err: err}
	}
	path := filepath.Join(dir, "aqwarn.db")
	// WAL lets the API read while ingest writes; synchronous(FULL) makes a
	// committed batch survive a power cut, not only a crash of the process:
	// the broker is told a reading is safe only after that commit.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: "sqlite.Open", Message: "cannot open " + path, Err: err}
	}
	// One writer at a time is what SQLite does anyway; a single connection
	// avoids SQLITE_BUSY between our own goroutines.
	db.SetMaxOpenConns(1)
	s := &DB{db: db, Now: time.Now, path: path}
	if err := s.check(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// check refuses a damaged file at start, naming it and what to do (audit
// L4): PRAGMA quick_check reads every page once.
func (s *DB) check(ctx context.Context) error {
	var res string
	err := s.db.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&res)
	if err == nil && res == "ok" {
		return nil
	}
	if err == nil {
		err = errors.New(res)
	}
	return &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: "sqlite.Open",
		Message: fmt.Sprintf("the store %s is damaged (%v): stop aqwarn, keep a copy of the file, then restore the last backup or salvage it with `sqlite3 %s .recover | sqlite3 recovered.db`", s.path, err, s.path),
		Err:     err}
}

// Probe is the store's readiness: a small write (the disk is not full, the
// file not read-only) at most every probeEvery, the last result kept in
// between (audit M5).
func (s *DB) Probe(ctx context.Context) error {
	s.probeMu.Lock()
	defer s.probeMu.Unlock()
	now := time.Now()
	if !s.probed.IsZero() && now.Sub(s.probed) < probeEvery {
		return s.probeErr
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES ('readiness_probe', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
		now.UTC().Format(time.RFC3339Nano))
	s.probed, s.probeErr = now, nil
	if err != nil {
		s.probeErr = fmt.Errorf("the store %s cannot be written: %w", s.path, err)
	}
	return s.probeErr
}

// probeEvery is how often Probe writes (a variable for tests).
var probeEvery = 30 * time.Second

// Close closes the database.
func (s *DB) Close() error { return s.db.Close() }

// Ping reports whether the store answers (for /readyz).
func (s *DB) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// SQL exposes the handle to sibling packages' tests and migrations.
func (s *DB) SQL() *sql.DB { return s.db }

// Get and Put keep small pieces of state (watermarks, idempotency marks).
func (s *DB) Get(ctx context.Context, k string) (string, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = ?`, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, unavailable("sqlite.Get", err)
	}
	return v, true, nil
}

func (s *DB) Put(ctx context.Context, k, v string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?,?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, k, v)
	if err != nil {
		return unavailable("sqlite.Put", err)
	}
	return nil
}

func unavailable(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: op, Message: "embedded store failed", Err: err}
}

func unavailableIf(op string, err error) error {
	if err == nil {
		return nil
	}
	return unavailable(op, err)
}

// execer and queryer are a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ms and fromMS keep times as unix milliseconds, the zero time as 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

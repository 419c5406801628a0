// Package sqlite is the embedded store: workflow state, dead letters, the
// ingest spool, and — in embedded mode — readings and AQI series. It uses the
// pure-Go modernc.org/sqlite driver so the binary needs no C toolchain.
package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/aqwarn/aqwarn"
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

var migrations = []string{
	`CREATE TABLE IF NOT EXISTS readings (
		station TEXT NOT NULL,
		t INTEGER NOT NULL,          -- end of interval, unix seconds UTC
		interval_s INTEGER NOT NULL,
		measures TEXT NOT NULL,      -- JSON [{pollutant,value,flag}]
		PRIMARY KEY (station, t, interval_s)
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS readings_t ON readings (t)`,
	`CREATE TABLE IF NOT EXISTS aqi_hourly (
		scope TEXT NOT NULL, id TEXT NOT NULL, t INTEGER NOT NULL,
		record TEXT NOT NULL,
		PRIMARY KEY (scope, id, t)
	) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS deadletters (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		received INTEGER NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL,
		message TEXT NOT NULL, station TEXT NOT NULL, payload TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS deadletters_reason ON deadletters (reason, id)`,
	`CREATE TABLE IF NOT EXISTS spool (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		reading TEXT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)`,
}

// versioned are the schema changes after the first layout (which the
// idempotent CREATE statements above make): change i brings the file to
// PRAGMA user_version i+1, once, in one transaction with its version.
// Append only; never edit a change that has shipped.
var versioned = []string{
	// 1: dead letters keep the payload's size and, when cut, its hash.
	`ALTER TABLE deadletters ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
	 ALTER TABLE deadletters ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';
	 ALTER TABLE deadletters ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;
	 CREATE INDEX IF NOT EXISTS deadletters_received ON deadletters (received)`,
}

// SchemaVersion is the version this build writes.
var SchemaVersion = len(versioned)

func (s *DB) migrate(ctx context.Context) error {
	for _, m := range append(migrations, alertMigrations...) {
		if _, err := s.db.ExecContext(ctx, m); err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.migrate", Message: "migration failed", Err: err}
		}
	}
	var v int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.migrate", Message: "cannot read the schema version", Err: err}
	}
	if v > SchemaVersion {
		return &aqwarn.Error{Code: aqwarn.EINVALID, Op: "sqlite.migrate",
			Message: fmt.Sprintf("the store was written by a newer aqwarn (schema %d, this build knows %d): upgrade aqwarn", v, SchemaVersion)}
	}
	for i := v; i < SchemaVersion; i++ {
		if err := s.step(ctx, i); err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.migrate", Message: fmt.Sprintf("schema change %d failed", i+1), Err: err}
		}
	}
	return nil
}

func (s *DB) step(ctx context.Context, i int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, versioned[i]); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, i+1)); err != nil {
		return err
	}
	return tx.Commit()
}

// WriteReadings stores readings. A reading with the same station, time and
// interval as a stored one is merged into it pollutant by pollutant, as
// InfluxDB merges the fields of one point: replays are harmless, and the
// parts of a split HJ 212 packet (PNUM/PNO) add up to one reading.
func (s *DB) WriteReadings(ctx context.Context, rs []aqwarn.Reading) error {
	if len(rs) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("sqlite.WriteReadings", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO readings (station, t, interval_s, measures) VALUES (?,?,?,?)
		ON CONFLICT (station, t, interval_s) DO UPDATE SET measures = excluded.measures`)
	if err != nil {
		return unavailable("sqlite.WriteReadings", err)
	}
	defer st.Close()
	old, err := tx.PrepareContext(ctx, `SELECT measures FROM readings WHERE station = ? AND t = ? AND interval_s = ?`)
	if err != nil {
		return unavailable("sqlite.WriteReadings", err)
	}
	defer old.Close()
	for _, r := range rs {
		var prev string
		switch err := old.QueryRowContext(ctx, r.Station, r.Time.Unix(), int64(r.Interval/time.Second)).Scan(&prev); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return unavailable("sqlite.WriteReadings", err)
		default:
			r.Values = mergeMeasures(prev, r.Values)
		}
		m, err := json.Marshal(r.Values)
		if err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.WriteReadings", Err: err}
		}
		if _, err := st.ExecContext(ctx, r.Station, r.Time.Unix(), int64(r.Interval/time.Second), string(m)); err != nil {
			return unavailable("sqlite.WriteReadings", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return unavailable("sqlite.WriteReadings", err)
	}
	return nil
}

// mergeMeasures adds the stored measures (JSON) that ms does not carry.
func mergeMeasures(stored string, ms []aqwarn.Measure) []aqwarn.Measure {
	var prev []aqwarn.Measure
	if json.Unmarshal([]byte(stored), &prev) != nil {
		return ms
	}
	out := append([]aqwarn.Measure(nil), ms...)
	for _, p := range prev {
		if !slices.ContainsFunc(ms, func(m aqwarn.Measure) bool { return m.Pollutant == p.Pollutant }) {
			out = append(out, p)
		}
	}
	rank := func(p string) int {
		if i := slices.Index(aqwarn.Pollutants, p); i >= 0 {
			return i
		}
		return len(aqwarn.Pollutants)
	}
	slices.SortStableFunc(out, func(a, b aqwarn.Measure) int { return rank(a.Pollutant) - rank(b.Pollutant) })
	return out
}

// Readings returns the readings of the given interval whose end lies in
// (from, to], ordered by station and time.
func (s *DB) Readings(ctx context.Context, interval time.Duration, from, to time.Time) ([]aqwarn.Reading, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT station, t, measures FROM readings
		WHERE interval_s = ? AND t > ? AND t <= ? ORDER BY station, t`,
		int64(interval/time.Second), from.Unix(), to.Unix())
	if err != nil {
		return nil, unavailable("sqlite.Readings", err)
	}
	defer rows.Close()
	var out []aqwarn.Reading
	for rows.Next() {
		var r aqwarn.Reading
		var t int64
		var m string
		if err := rows.Scan(&r.Station, &t, &m); err != nil {
			return nil, unavailable("sqlite.Readings", err)
		}
		r.Time = time.Unix(t, 0).UTC()
		r.Interval = interval
		if err := json.Unmarshal([]byte(m), &r.Values); err != nil {
			return nil, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.Readings", Message: "corrupt measures", Err: err}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LatestReadingTime returns the end time of the newest reading of the
// interval, or the zero time when there is none.
func (s *DB) LatestReadingTime(ctx context.Context, interval time.Duration) (time.Time, error) {
	var t sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(t) FROM readings WHERE interval_s = ?`, int64(interval/time.Second)).Scan(&t)
	if err != nil {
		return time.Time{}, unavailable("sqlite.LatestReadingTime", err)
	}
	if !t.Valid {
		return time.Time{}, nil
	}
	return time.Unix(t.Int64, 0).UTC(), nil
}

// CountReadings counts stored readings (for tests and the bench command).
func (s *DB) CountReadings(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM readings`).Scan(&n)
	return n, err
}

// WriteAQI stores AQI records, replacing earlier ones for the same hour.
func (s *DB) WriteAQI(ctx context.Context, recs []aqwarn.AQIRecord) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("sqlite.WriteAQI", err)
	}
	defer tx.Rollback()
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.WriteAQI", Err: err}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO aqi_hourly (scope, id, t, record) VALUES (?,?,?,?)
			ON CONFLICT (scope, id, t) DO UPDATE SET record = excluded.record`, r.Scope, r.ID, r.Time.Unix(), string(b)); err != nil {
			return unavailable("sqlite.WriteAQI", err)
		}
	}
	return tx.Commit()
}

// AQIHistory returns the stored hourly AQI of one station or region with
// hour ends in (from, to], oldest first.
func (s *DB) AQIHistory(ctx context.Context, scope, id string, from, to time.Time) ([]aqwarn.AQIRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT record FROM aqi_hourly WHERE scope = ? AND id = ? AND t > ? AND t <= ? ORDER BY t`,
		scope, id, from.Unix(), to.Unix())
	if err != nil {
		return nil, unavailable("sqlite.AQIHistory", err)
	}
	defer rows.Close()
	var out []aqwarn.AQIRecord
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, unavailable("sqlite.AQIHistory", err)
		}
		var r aqwarn.AQIRecord
		if err := json.Unmarshal([]byte(b), &r); err != nil {
			return nil, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.AQIHistory", Err: err}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Dead-letter retention (audit M4): the newest DeadLetterMaxRows, none
// older than DeadLetterMaxAge; pruned every deadLetterPruneEvery inserts.
const (
	DeadLetterMaxRows    = 100_000
	DeadLetterMaxAge     = 30 * 24 * time.Hour
	deadLetterPruneEvery = 256
	deadLetterMaxPayload = 4096
)

// AddDeadLetter keeps a rejected input and returns its id. The oldest are
// pruned beyond the retention.
func (s *DB) AddDeadLetter(ctx context.Context, d aqwarn.DeadLetter) (int64, error) {
	if d.Received.IsZero() {
		d.Received = s.Now()
	}
	if d.Size == 0 {
		d.Size = len(d.Payload)
	}
	if len(d.Payload) > deadLetterMaxPayload { // whoever calls: the store stays bounded
		sum := sha256.Sum256([]byte(d.Payload))
		d.SHA256, d.Truncated = hex.EncodeToString(sum[:]), true
		d.Payload = strings.ToValidUTF8(d.Payload[:deadLetterMaxPayload], "")
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO deadletters (received, source, reason, message, station, payload, size, sha256, truncated)
		VALUES (?,?,?,?,?,?,?,?,?)`,
		d.Received.UnixMilli(), d.Source, d.Reason, d.Message, d.Station, d.Payload, d.Size, d.SHA256, d.Truncated)
	if err != nil {
		return 0, unavailable("sqlite.AddDeadLetter", err)
	}
	id, err := res.LastInsertId()
	if err == nil && id%deadLetterPruneEvery == 0 {
		err = s.PruneDeadLetters(ctx, DeadLetterMaxRows, s.Now().Add(-DeadLetterMaxAge))
	}
	return id, err
}

// PruneDeadLetters keeps the newest maxRows dead letters received after
// notBefore.
func (s *DB) PruneDeadLetters(ctx context.Context, maxRows int, notBefore time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM deadletters WHERE received < ? OR id <= (SELECT max(id) FROM deadletters) - ?`,
		notBefore.UnixMilli(), maxRows); err != nil {
		return unavailable("sqlite.PruneDeadLetters", err)
	}
	return nil
}

// ListDeadLetters lists kept rejections, newest first: those with the
// reason and station when given, ids below before (0: no bound), at most limit.
func (s *DB) ListDeadLetters(ctx context.Context, reason, station string, before int64, limit int) ([]aqwarn.DeadLetter, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	f := struct {
		Reason, Station string
		Before          int64
		Limit           int
	}{reason, station, before, limit}
	q := `SELECT id, received, source, reason, message, station, payload, size, sha256, truncated FROM deadletters WHERE 1=1`
	var args []any
	if f.Reason != "" {
		q += ` AND reason = ?`
		args = append(args, f.Reason)
	}
	if f.Station != "" {
		q += ` AND station = ?`
		args = append(args, f.Station)
	}
	if f.Before > 0 {
		q += ` AND id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, unavailable("sqlite.DeadLetters", err)
	}
	defer rows.Close()
	out := []aqwarn.DeadLetter{}
	for rows.Next() {
		var d aqwarn.DeadLetter
		var ms int64
		if err := rows.Scan(&d.ID, &ms, &d.Source, &d.Reason, &d.Message, &d.Station, &d.Payload, &d.Size, &d.SHA256, &d.Truncated); err != nil {
			return nil, unavailable("sqlite.DeadLetters", err)
		}
		d.Received = time.UnixMilli(ms).UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// Spool keeps readings that could not reach the primary store yet.
func (s *DB) Spool(ctx context.Context, rs []aqwarn.Reading) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("sqlite.Spool", err)
	}
	defer tx.Rollback()
	for _, r := range rs {
		b, err := json.Marshal(spooled{r.Station, r.Time, int64(r.Interval / time.Second), r.Values})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO spool (reading) VALUES (?)`, string(b)); err != nil {
			return unavailable("sqlite.Spool", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return unavailable("sqlite.Spool", err)
	}
	return nil
}

type spooled struct {
	Station  string           `json:"s"`
	Time     time.Time        `json:"t"`
	Interval int64            `json:"i"`
	Values   []aqwarn.Measure `json:"v"`
}

// PeekSpool returns up to n of the oldest spooled readings.
func (s *DB) PeekSpool(ctx context.Context, n int) (aqwarn.SpoolBatch, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, reading FROM spool ORDER BY id LIMIT ?`, n)
	if err != nil {
		return aqwarn.SpoolBatch{}, unavailable("sqlite.PeekSpool", err)
	}
	defer rows.Close()
	var b aqwarn.SpoolBatch
	for rows.Next() {
		var id int64
		var txt string
		if err := rows.Scan(&id, &txt); err != nil {
			return aqwarn.SpoolBatch{}, unavailable("sqlite.PeekSpool", err)
		}
		var sp spooled
		if err := json.Unmarshal([]byte(txt), &sp); err != nil {
			return aqwarn.SpoolBatch{}, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.PeekSpool", Message: fmt.Sprintf("corrupt spool row %d", id), Err: err}
		}
		b.Readings = append(b.Readings, aqwarn.Reading{Station: sp.Station, Time: sp.Time.UTC(), Interval: time.Duration(sp.Interval) * time.Second, Values: sp.Values})
		b.LastID = id
	}
	return b, rows.Err()
}

// DropSpool deletes spooled readings up to and including id.
func (s *DB) DropSpool(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM spool WHERE id <= ?`, id)
	if err != nil {
		return unavailable("sqlite.DropSpool", err)
	}
	return nil
}

// SpoolLen counts spooled readings.
func (s *DB) SpoolLen(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM spool`).Scan(&n)
	return n, err
}

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

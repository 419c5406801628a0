package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/notify"
)

// Deliveries is the notification log of package notify (its outbox), kept in
// the embedded store: one row per (transition, unit, channel) key. It also
// keeps the CAP messages (caps.go) and the units' follow-up (followup.go).
type Deliveries struct {
	db *DB
	// ClaimLease is how long a claim holds: an entry another owner claimed
	// more than ClaimLease ago and left sending (it stopped, or hangs,
	// between sending and recording) is claimed again, as a redelivery.
	// Zero means DefaultClaimLease. Make it at least 2 × the
	// dispatcher's SendTimeout; with several dispatchers on one store,
	// longer than a claimed batch can take (⌈Batch/Workers⌉ × SendTimeout),
	// or a live dispatcher's queued entries are sent twice.
	ClaimLease time.Duration
}

// DefaultClaimLease is 2 × notify.Dispatcher's default SendTimeout (15 s).
const DefaultClaimLease = 30 * time.Second

var _ notify.Log = (*Deliveries)(nil)

// NewDeliveries returns the notification log of db. Open has made its
// tables (schema change 2); NewDeliveries only checks that it has.
func NewDeliveries(ctx context.Context, db *DB) (*Deliveries, error) {
	v, err := db.schemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if v < SchemaVersion {
		return nil, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.NewDeliveries",
			Message: fmt.Sprintf("the store is at schema %d, not %d: open it with sqlite.Open", v, SchemaVersion)}
	}
	return &Deliveries{db: db}, nil
}

func (s *Deliveries) lease() time.Duration {
	if s.ClaimLease > 0 {
		return s.ClaimLease
	}
	return DefaultClaimLease
}

// Enqueue adds the deliveries whose key is new, in one transaction.
func (s *Deliveries) Enqueue(ctx context.Context, ds []notify.Delivery, now time.Time) (int, error) {
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, unavailable("sqlite.Enqueue", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (key, transition, unit, channel, delivery, state, created, next_at)
		VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING`)
	if err != nil {
		return 0, unavailable("sqlite.Enqueue", err)
	}
	defer stmt.Close()
	added := 0
	for _, d := range ds {
		b, err := json.Marshal(d)
		if err != nil {
			return 0, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.Enqueue", Message: "encode delivery", Err: err}
		}
		res, err := stmt.ExecContext(ctx, d.Key, d.Message.Transition, d.Recipient.Unit, d.Channel.Kind, string(b),
			notify.StatePending, ms(now), ms(now))
		if err != nil {
			return 0, unavailable("sqlite.Enqueue", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, unavailable("sqlite.Enqueue", err)
	}
	return added, nil
}

const entryColumns = `key, delivery, state, owner, attempts, created, next_at, sent_at, last_error`

func scanEntry(rows *sql.Rows) (notify.Entry, string, error) {
	var e notify.Entry
	var raw, owner string
	var created, next, sent int64
	if err := rows.Scan(&e.Key, &raw, &e.State, &owner, &e.Attempts, &created, &next, &sent, &e.LastError); err != nil {
		return e, "", err
	}
	key := e.Key
	if err := json.Unmarshal([]byte(raw), &e.Delivery); err != nil {
		return e, "", err
	}
	e.Key = key
	e.Created, e.NextAt, e.SentAt = fromMS(created), fromMS(next), fromMS(sent)
	return e, owner, nil
}

// Claim marks up to limit due entries as sending by owner and returns them,
// oldest first: pending entries due at now, and entries another owner
// claimed more than ClaimLease before now and left sending (a process that
// stopped between sending and recording); those come back as redeliveries.
// An entry an owner claimed itself is not claimed again by it.
func (s *Deliveries) Claim(ctx context.Context, owner string, now time.Time, limit int) ([]notify.Entry, error) {
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, unavailable("sqlite.Claim", err)
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, "sqlite.Claim", func(rows *sql.Rows, e *notify.Entry) error {
		var prev string
		var err error
		if *e, prev, err = scanEntry(rows); err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.Claim", Message: "corrupt delivery row", Err: err}
		}
		if e.State == notify.StateSending && prev != owner {
			e.Redelivery = true
		}
		e.State = notify.StateSending
		e.Attempts++
		return nil
	}, `SELECT `+entryColumns+` FROM deliveries
		WHERE (state = ? AND next_at <= ?) OR (state = ? AND owner != ? AND claimed_at < ?)
		ORDER BY created, key LIMIT ?`,
		notify.StatePending, ms(now), notify.StateSending, owner, now.Add(-s.lease()).UnixMilli(), limit)
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, owner = ?, attempts = ?, claimed_at = ? WHERE key = ?`,
			notify.StateSending, owner, e.Attempts, now.UnixMilli(), e.Key); err != nil {
			return nil, unavailable("sqlite.Claim", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, unavailable("sqlite.Claim", err)
	}
	return out, nil
}

// Record writes the results of attempts in one transaction.
func (s *Deliveries) Record(ctx context.Context, rs []notify.Result) error {
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("sqlite.Record", err)
	}
	defer tx.Rollback()
	for _, r := range rs {
		sent := int64(0)
		if r.State == notify.StateSent {
			sent = ms(r.At)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, owner = '', next_at = ?, sent_at = ?, last_error = ? WHERE key = ?`,
			r.State, ms(r.NextAt), sent, r.LastError, r.Key); err != nil {
			return unavailable("sqlite.Record", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return unavailable("sqlite.Record", err)
	}
	return nil
}

// DeliveryFilter selects log entries; zero fields select everything.
type DeliveryFilter struct {
	Transition string
	Unit       string
	States     []string
	Limit      int // default 500
}

// DeliveryEntries lists log entries, oldest first: what duty staff see of
// deliveries (failed ones above all).
func (s *Deliveries) DeliveryEntries(ctx context.Context, f DeliveryFilter) ([]notify.Entry, error) {
	var w conds
	w.add("transition = ?", f.Transition)
	w.add("unit = ?", f.Unit)
	w.in("state", f.States)
	if f.Limit <= 0 {
		f.Limit = 500
	}
	q := `SELECT ` + entryColumns + ` FROM deliveries WHERE 1=1` + w.sql + ` ORDER BY created, key LIMIT ?`
	args := append(w.args, f.Limit)
	return queryAll(ctx, s.db.db, "sqlite.DeliveryEntries", func(rows *sql.Rows, e *notify.Entry) error {
		var err error
		if *e, _, err = scanEntry(rows); err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.DeliveryEntries", Message: "corrupt delivery row", Err: err}
		}
		return nil
	}, q, args...)
}

// LastSent returns, for each channel (kind and target) of unit, the
// delivery sent last on it: the retained state a restart must guard (the
// public warning topics).
func (s *Deliveries) LastSent(ctx context.Context, unit string) ([]notify.Entry, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT `+entryColumns+` FROM deliveries
		WHERE unit = ? AND state = ? ORDER BY sent_at, key`, unit, notify.StateSent)
	if err != nil {
		return nil, unavailable("sqlite.LastSent", err)
	}
	defer rows.Close()
	last := map[[2]string]int{} // (kind, target)
	var out []notify.Entry
	for rows.Next() {
		e, _, err := scanEntry(rows)
		if err != nil {
			return nil, unavailable("sqlite.LastSent", err)
		}
		ch := [2]string{e.Channel.Kind, e.Channel.Target}
		if i, ok := last[ch]; ok {
			out[i] = e
			continue
		}
		last[ch] = len(out)
		out = append(out, e)
	}
	return out, rows.Err()
}

// UnitDeliveries lists what was delivered to a unit for a transition (the
// notices a reminder repeats).
func (s *Deliveries) UnitDeliveries(ctx context.Context, transition, unit string) ([]notify.Delivery, error) {
	entries, err := s.DeliveryEntries(ctx, DeliveryFilter{Transition: transition, Unit: unit})
	if err != nil {
		return nil, err
	}
	out := make([]notify.Delivery, 0, len(entries))
	for _, e := range entries {
		d := e.Delivery
		d.Redelivery = false
		out = append(out, d)
	}
	return out, nil
}

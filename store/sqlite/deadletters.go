package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
)

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
	var w conds
	w.add("reason = ?", reason)
	w.add("station = ?", station)
	if before > 0 {
		w.add("id < ?", before)
	}
	q := `SELECT id, received, source, reason, message, station, payload, size, sha256, truncated FROM deadletters WHERE 1=1` +
		w.sql + ` ORDER BY id DESC LIMIT ?`
	args := append(w.args, limit)
	out, err := queryAll(ctx, s.db, "sqlite.DeadLetters", func(rows *sql.Rows, d *aqwarn.DeadLetter) error {
		var ms int64
		if err := rows.Scan(&d.ID, &ms, &d.Source, &d.Reason, &d.Message, &d.Station, &d.Payload, &d.Size, &d.SHA256, &d.Truncated); err != nil {
			return err
		}
		d.Received = time.UnixMilli(ms).UTC()
		return nil
	}, q, args...)
	if err == nil && out == nil {
		out = []aqwarn.DeadLetter{} // none is [], not null
	}
	return out, err
}

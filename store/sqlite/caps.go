package sqlite

import (
	"context"
	"database/sql"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/publish"
)

// The CAP messages of the delivery side (publish.CAPStore): one per
// transition, identifiers unique.
var _ publish.CAPStore = (*Deliveries)(nil)

// AddCAP stores a CAP message unless its transition has one, and returns
// the stored record.
func (s *Deliveries) AddCAP(ctx context.Context, r publish.CAPRecord) (publish.CAPRecord, error) {
	if known, err := s.caps(ctx, `WHERE transition = ?`, r.Transition); err != nil || len(known) > 0 {
		if err != nil {
			return r, err
		}
		return known[0], nil
	}
	if _, taken, err := s.CAPByIdentifier(ctx, r.Identifier); err != nil || taken {
		if err != nil {
			return r, err
		}
		return r, publish.ErrIdentifierTaken
	}
	_, err := s.db.db.ExecContext(ctx, `INSERT INTO caps (transition, warning_id, region, identifier, sender, sent, msg_type, xml, seq)
		VALUES (?,?,?,?,?,?,?,?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM caps)) ON CONFLICT (transition) DO NOTHING`,
		r.Transition, r.WarningID, r.Region, r.Identifier, r.Sender, ms(r.Sent), r.MsgType, r.XML)
	if err != nil {
		return r, unavailable("sqlite.AddCAP", err)
	}
	recs, err := s.caps(ctx, `WHERE transition = ?`, r.Transition)
	if err != nil {
		return r, err
	}
	if len(recs) == 0 {
		return r, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.AddCAP", Message: "CAP record vanished"}
	}
	return recs[0], nil
}

// WarningCAPs lists a warning's CAP messages, oldest first.
func (s *Deliveries) WarningCAPs(ctx context.Context, warningID int64) ([]publish.CAPRecord, error) {
	return s.caps(ctx, `WHERE warning_id = ? ORDER BY seq`, warningID)
}

// RecentCAPs lists the newest CAP messages first (the Atom feed).
func (s *Deliveries) RecentCAPs(ctx context.Context, limit int) ([]publish.CAPRecord, error) {
	return s.caps(ctx, `ORDER BY seq DESC LIMIT ?`, limit)
}

// CAPByIdentifier finds one message.
func (s *Deliveries) CAPByIdentifier(ctx context.Context, id string) (publish.CAPRecord, bool, error) {
	recs, err := s.caps(ctx, `WHERE identifier = ?`, id)
	if err != nil || len(recs) == 0 {
		return publish.CAPRecord{}, false, err
	}
	return recs[0], true, nil
}

func (s *Deliveries) caps(ctx context.Context, where string, args ...any) ([]publish.CAPRecord, error) {
	return queryAll(ctx, s.db.db, "sqlite.caps", func(rows *sql.Rows, r *publish.CAPRecord) error {
		var sent int64
		if err := rows.Scan(&r.Transition, &r.WarningID, &r.Region, &r.Identifier, &r.Sender, &sent, &r.MsgType, &r.XML); err != nil {
			return err
		}
		r.Sent = fromMS(sent)
		return nil
	}, `SELECT transition, warning_id, region, identifier, sender, sent, msg_type, xml FROM caps `+where, args...)
}

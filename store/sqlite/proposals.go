package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

var _ lifecycle.ProposalStore = (*DB)(nil)

// AddProposal stores a proposal unless its key is known.
func (s *DB) AddProposal(ctx context.Context, rec lifecycle.ProposalRecord, audit lifecycle.AuditEntry) (lifecycle.ProposalRecord, bool, error) {
	const op = "sqlite.AddProposal"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return rec, false, unavailable(op, err)
	}
	defer tx.Rollback()
	b, _ := json.Marshal(rec)
	res, err := tx.ExecContext(ctx, `INSERT INTO alert_proposals (key, region, status, created, record) VALUES (?,?,?,?,?)
		ON CONFLICT (key) DO NOTHING`, rec.Key, rec.Region, rec.Status, rec.Created.UnixMilli(), string(b))
	if err != nil {
		return rec, false, unavailable(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		old, ok, err := proposalByKey(ctx, tx, rec.Key)
		if err != nil || !ok {
			return rec, false, unavailable(op, errors.Join(err, errors.New("proposal vanished")))
		}
		return old, false, nil
	}
	rec.ID, _ = res.LastInsertId()
	b, _ = json.Marshal(rec)
	if _, err := tx.ExecContext(ctx, `UPDATE alert_proposals SET record = ? WHERE id = ?`, string(b), rec.ID); err != nil {
		return rec, false, unavailable(op, err)
	}
	audit.Subject = fmt.Sprintf("proposal %d", rec.ID)
	if err := appendAudit(ctx, tx, audit); err != nil {
		return rec, false, unavailable(op, err)
	}
	if err := tx.Commit(); err != nil {
		return rec, false, unavailable(op, err)
	}
	return rec, true, nil
}

// UpdateProposal saves a proposal's status and approval with its audit lines.
func (s *DB) UpdateProposal(ctx context.Context, rec lifecycle.ProposalRecord, audit ...lifecycle.AuditEntry) error {
	const op = "sqlite.UpdateProposal"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable(op, err)
	}
	defer tx.Rollback()
	b, _ := json.Marshal(rec)
	res, err := tx.ExecContext(ctx, `UPDATE alert_proposals SET status = ?, record = ? WHERE id = ?`, rec.Status, string(b), rec.ID)
	if err != nil {
		return unavailable(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &aqwarn.Error{Code: aqwarn.ENOTFOUND, Op: op, Message: fmt.Sprintf("no proposal %d", rec.ID)}
	}
	for _, a := range audit {
		if err := appendAudit(ctx, tx, a); err != nil {
			return unavailable(op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return unavailable(op, err)
	}
	return nil
}

func proposalByKey(ctx context.Context, q queryer, key string) (lifecycle.ProposalRecord, bool, error) {
	recs, err := scanRecords[lifecycle.ProposalRecord](q.QueryContext(ctx, `SELECT record FROM alert_proposals WHERE key = ?`, key))
	if err != nil || len(recs) == 0 {
		return lifecycle.ProposalRecord{}, false, err
	}
	return recs[0], true, nil
}

// Proposal returns one proposal.
func (s *DB) Proposal(ctx context.Context, id int64) (lifecycle.ProposalRecord, error) {
	recs, err := scanRecords[lifecycle.ProposalRecord](s.db.QueryContext(ctx, `SELECT record FROM alert_proposals WHERE id = ?`, id))
	if err != nil {
		return lifecycle.ProposalRecord{}, unavailable("sqlite.Proposal", err)
	}
	if len(recs) == 0 {
		return lifecycle.ProposalRecord{}, &aqwarn.Error{Code: aqwarn.ENOTFOUND, Op: "sqlite.Proposal", Message: fmt.Sprintf("no proposal %d", id)}
	}
	return recs[0], nil
}

// ProposalByKey returns the proposal with the idempotency key.
func (s *DB) ProposalByKey(ctx context.Context, key string) (lifecycle.ProposalRecord, bool, error) {
	rec, ok, err := proposalByKey(ctx, s.db, key)
	if err != nil {
		return rec, false, unavailable("sqlite.ProposalByKey", err)
	}
	return rec, ok, nil
}

// Proposals lists proposals, newest first.
func (s *DB) Proposals(ctx context.Context, f lifecycle.ProposalFilter) ([]lifecycle.ProposalRecord, error) {
	var w conds
	w.add("status = ?", f.Status)
	w.add("region = ?", f.Region)
	q := `SELECT record FROM alert_proposals WHERE 1=1` + w.sql + ` ORDER BY id DESC`
	args := w.args
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	recs, err := scanRecords[lifecycle.ProposalRecord](s.db.QueryContext(ctx, q, args...))
	if err != nil {
		return nil, unavailable("sqlite.Proposals", err)
	}
	return recs, nil
}

package sqlite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/inspect"
	"github.com/aqwarn/aqwarn/compliance/inspect/storetest"
)

// The SQLite store keeps the inspection loop's store contract, also
// across a reopen of its file.
func TestSqliteInspectStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (inspect.Store, func(*testing.T) inspect.Store) {
		dir := t.TempDir()
		db := open(t, dir)
		t.Cleanup(func() { db.Close() })
		return db, func(t *testing.T) inspect.Store {
			db.Close()
			db = open(t, dir)
			return db
		}
	})
}

// Nothing younger than five years can be deleted from the loop's tables or
// the photos, even with SQL by hand; older rows can (a purge may come).
// The rows are dated through the store itself, at the times given.
func TestComplianceEvidenceKeptFiveYears(t *testing.T) {
	ctx := context.Background()
	db := open(t, t.TempDir())
	defer db.Close()
	now := time.Now()
	keep := func(at time.Time, source string) {
		t.Helper()
		e := compliance.Event{ID: compliance.EventID(compliance.RuleStopNotExecuted, source, "", at), Rule: compliance.RuleStopNotExecuted,
			Enterprise: source, Start: at, End: at.Add(time.Hour), State: compliance.StateOpen}
		a := lifecycle.AuditEntry{At: at, Actor: "t", Action: "x", Subject: "x"}
		if _, _, err := db.UpsertEvent(ctx, e, at, a); err != nil {
			t.Fatal(err)
		}
		in, err := db.AddInspection(ctx, inspect.Inspection{Enterprise: source, Unit: "industry_it", Events: []string{e.ID}, Created: at, Due: at.Add(24 * time.Hour)}, a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddPhoto(ctx, in.ID, inspect.Photo{ContentType: "image/jpeg", By: "t", At: at}, []byte("\xff\xd8\xff"+source), 5, a); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.AddConsequence(ctx, inspect.Consequence{Key: source, Kind: inspect.KindPenalty, Enterprise: source, Inspection: in.ID,
			Status: inspect.StatusPending, Created: at}, a); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddEvidence(ctx, followup.Evidence{WarningID: 1, Unit: source, Task: "t", ContentType: "image/png", At: at}, []byte("\x89PNG"+source)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddApproval(ctx, inspect.RestartApproval{Approval: compliance.Approval{Enterprise: source, From: at}, By: "t", Recorded: at}, a); err != nil {
			t.Fatal(err)
		}
	}
	keep(now.AddDate(-4, -11, 0), "young") // four years and eleven months old
	keep(now.AddDate(-5, 0, -3), "old")    // five years and three days
	for _, tc := range []struct{ table, column string }{
		// Children first, as a purge would go.
		{"inspection_photos", "by"}, {"compliance_consequences", "key"}, {"task_evidence", "unit"},
		{"compliance_events", "enterprise"}, {"compliance_inspections", "enterprise"}, {"restart_approvals", "enterprise"},
	} {
		_, err := db.SQL().ExecContext(ctx, `DELETE FROM `+tc.table+` WHERE `+tc.column+` = 't' OR `+tc.column+` LIKE '%young%'`)
		if err == nil || !strings.Contains(err.Error(), "five years") {
			t.Errorf("deleting young rows of %s: %v, want refused", tc.table, err)
		}
	}
	// The young photo blob stays too (its links are refused above, so
	// delete the blob alone).
	if _, err := db.SQL().ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `DELETE FROM evidence WHERE data = CAST(? AS BLOB)`, "\xff\xd8\xffyoung"); err == nil || !strings.Contains(err.Error(), "five years") {
		t.Errorf("deleting a young photo: %v, want refused", err)
	}
	for _, q := range []string{
		`DELETE FROM inspection_photos WHERE inspection_id IN (SELECT id FROM compliance_inspections WHERE enterprise = 'old')`,
		`DELETE FROM compliance_consequences WHERE enterprise = 'old'`,
		`DELETE FROM task_evidence WHERE unit = 'old'`,
		`DELETE FROM compliance_events WHERE enterprise = 'old'`,
		`DELETE FROM compliance_inspections WHERE enterprise = 'old'`,
		`DELETE FROM restart_approvals WHERE enterprise = 'old'`,
		`DELETE FROM evidence WHERE data IN (CAST('` + "\xff\xd8\xff" + `old' AS BLOB), CAST('` + "\x89PNG" + `old' AS BLOB))`,
	} {
		res, err := db.SQL().ExecContext(ctx, q)
		if err != nil {
			t.Errorf("%s: %v, want the old rows deleted", q, err)
			continue
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Errorf("%s: deleted nothing", q)
		}
	}
	for _, tc := range []struct {
		table string
		young int
	}{{"inspection_photos", 1}, {"compliance_consequences", 1}, {"task_evidence", 1}, {"compliance_events", 1}, {"compliance_inspections", 1},
		{"evidence", 2}} { // the young inspection's photo and the young task's
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+tc.table).Scan(&n); err != nil || n != tc.young {
			t.Errorf("%s: %d rows left (%v), want the young %d", tc.table, n, err, tc.young)
		}
	}
}

// A photo of an inspection is served to its inspecting unit too (the
// units EvidenceData names), besides the units of task reports.
func TestInspectionPhotoUnits(t *testing.T) {
	ctx := context.Background()
	db := open(t, t.TempDir())
	defer db.Close()
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	a := lifecycle.AuditEntry{At: at, Actor: "t", Action: "x", Subject: "x"}
	e := compliance.Event{ID: "ce-1", Rule: compliance.RuleStopNotExecuted, Enterprise: "cem-b", Start: at, End: at}
	if _, _, err := db.UpsertEvent(ctx, e, at, a); err != nil {
		t.Fatal(err)
	}
	in, err := db.AddInspection(ctx, inspect.Inspection{Enterprise: "cem-b", Unit: "industry_it", Events: []string{"ce-1"}, Created: at, Due: at}, a)
	if err != nil {
		t.Fatal(err)
	}
	jpeg := []byte("\xff\xd8\xff photo")
	p, err := db.AddPhoto(ctx, in.ID, inspect.Photo{ContentType: "image/jpeg", By: "t", At: at}, jpeg, 5, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddEvidence(ctx, followup.Evidence{WarningID: 1, Unit: "cem-b", Task: "stop", ContentType: "image/jpeg", At: at}, jpeg); err != nil {
		t.Fatal(err)
	}
	ct, data, units, err := db.EvidenceData(ctx, p.SHA256)
	if err != nil || ct != "image/jpeg" || string(data) != string(jpeg) || strings.Join(units, ",") != "cem-b,industry_it" {
		t.Errorf("EvidenceData: %q %q %v %v", ct, data, units, err)
	}
}

package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// raw opens dir/aqwarn.db without the store (and without migrating it).
func raw(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "aqwarn.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

func exec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func userVersion(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

var spaces = regexp.MustCompile(`\s+`)

// schema describes every table, index and trigger of a file: its CREATE
// text (whitespace folded), each table's columns and whether it has a
// rowid, each index's columns.
func schema(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	type object struct{ typ, name, table, sql string }
	var objs []object
	for rows.Next() {
		var o object
		if err := rows.Scan(&o.typ, &o.name, &o.table, &o.sql); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	rows.Close()
	var out []string
	query := func(q string, args ...any) string {
		rows, err := db.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprint(vals))
		}
		return strings.Join(lines, "; ")
	}
	for _, o := range objs {
		out = append(out, fmt.Sprintf("%s %s on %s: %s", o.typ, o.name, o.table, strings.TrimSpace(spaces.ReplaceAllString(o.sql, " "))))
		switch o.typ {
		case "table":
			out = append(out, "  columns: "+query(`SELECT cid, name, type, "notnull", dflt_value, pk FROM pragma_table_xinfo(?)`, o.name),
				"  without rowid: "+query(`SELECT wr FROM pragma_table_list(?)`, o.name))
		case "index":
			out = append(out, "  columns: "+query(`SELECT seqno, cid, name, "desc", coll, "key" FROM pragma_index_xinfo(?)`, o.name))
		}
	}
	return out
}

func freshSchema(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	open(t, dir).Close()
	db := raw(t, dir)
	defer db.Close()
	if v := userVersion(t, db); v != sqlite.SchemaVersion {
		t.Fatalf("a new file is at version %d, want %d", v, sqlite.SchemaVersion)
	}
	return schema(t, db)
}

// The schema is one list of changes applied once each: a new file ends at
// SchemaVersion, reopening it changes nothing, and a file from a newer
// build is refused.
func TestSqliteSchemaVersions(t *testing.T) {
	ctx := context.Background()
	if sqlite.SchemaVersion != 9 {
		t.Errorf("SchemaVersion = %d: a new change needs its own case in TestSqliteOpensStoresOfOldCode", sqlite.SchemaVersion)
	}
	fresh := freshSchema(t)
	for _, table := range []string{"readings", "aqi_hourly", "deadletters", "spool", "kv", "alert_proposals", "alert_warnings",
		"warning_transitions", "alert_audit", "alert_prompts", "alert_forecasts", "deliveries", "caps", "unit_notices", "unit_tasks"} {
		if !slices.ContainsFunc(fresh, func(l string) bool { return strings.HasPrefix(l, "table "+table+" ") }) {
			t.Errorf("a new file has no table %s", table)
		}
	}

	dir := t.TempDir()
	open(t, dir).Close()
	open(t, dir).Close() // nothing to do the second time
	db := raw(t, dir)
	if v := userVersion(t, db); v != sqlite.SchemaVersion {
		t.Errorf("reopened: version %d", v)
	}
	if got := schema(t, db); !slices.Equal(got, fresh) {
		t.Errorf("reopening changed the schema:\n%s", strings.Join(got, "\n"))
	}
	exec(t, db, fmt.Sprintf(`PRAGMA user_version = %d`, sqlite.SchemaVersion+1))
	db.Close()
	if _, err := sqlite.Open(ctx, dir); err == nil || !strings.Contains(err.Error(), "newer aqwarn") {
		t.Errorf("a file from a newer build: %v", err)
	}
}

// Stores written by the code before the one list open, keep their data and
// end at the schema of a new file: one from before schema versions
// (user_version 0), one at version 1 that never had the delivery tables
// (Open only), and one at version 1 that had them (NewDeliveries, with an
// entry a dead process left sending).
func TestSqliteOpensStoresOfOldCode(t *testing.T) {
	ctx := context.Background()
	fresh := freshSchema(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	d := delivery("a")
	dj, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		version1   bool
		deliveries bool
	}{
		{"before versions", false, false},
		{"version 1", true, false},
		{"version 1 with deliveries", true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			db := raw(t, dir)
			exec(t, db, `PRAGMA journal_mode = WAL`)
			exec(t, db, oldBase...)
			exec(t, db, oldAlert...)
			exec(t, db, `INSERT INTO deadletters (received, source, reason, message, station, payload) VALUES (1764576000000, 'tcp', 'bad_crc', 'm', 's1', 'p')`,
				`INSERT INTO kv (k, v) VALUES ('relay_watermark', '7')`,
				`INSERT INTO alert_audit (at, actor, role, action, subject, comment) VALUES (1764576000000, 'wang', 'duty', 'propose', 'proposal 1', '')`)
			if c.version1 {
				exec(t, db, oldVersion1...)
				exec(t, db, `PRAGMA user_version = 1`)
			}
			if c.deliveries {
				exec(t, db, oldDeliveries...)
				if _, err := db.Exec(`INSERT INTO deliveries (key, transition, unit, channel, delivery, state, owner, attempts, created, next_at)
					VALUES (?,?,?,?,?,?,'dead-process',1,?,?)`, d.Key, d.Message.Transition, d.Recipient.Unit, d.Channel.Kind, string(dj), notify.StateSending,
					now.Add(-time.Hour).UnixMilli(), now.Add(-time.Hour).UnixMilli()); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()

			s := open(t, dir)
			if v, ok, err := s.Get(ctx, "relay_watermark"); err != nil || !ok || v != "7" {
				t.Errorf("kv after the upgrade: %q %v %v", v, ok, err)
			}
			dls, err := s.ListDeadLetters(ctx, "", "", 0, 10)
			if err != nil || len(dls) != 1 || dls[0].Reason != "bad_crc" {
				t.Errorf("dead letters after the upgrade: %+v %v", dls, err)
			}
			if es, err := s.Audit(ctx, 0, 0); err != nil || len(es) != 1 || es[0].Actor != "wang" {
				t.Errorf("audit after the upgrade: %+v %v", es, err)
			}
			log, err := sqlite.NewDeliveries(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := log.Claim(ctx, "new-process", now, 10)
			if err != nil {
				t.Fatal(err)
			}
			if c.deliveries {
				// Claimed before claims had a lease: over.
				if len(got) != 1 || got[0].Key != d.Key || !got[0].Redelivery || got[0].Attempts != 2 {
					t.Errorf("the entry the old process left sending: %+v", got)
				}
			} else if len(got) != 0 {
				t.Errorf("claimed %+v from an empty log", got)
			}
			s.Close()

			checkUpgraded(t, dir, fresh)
		})
	}
}

// diff lists the lines only one side has.
func diff(got, want []string) string {
	var b strings.Builder
	for _, l := range got {
		if !slices.Contains(want, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	return b.String()
}

// NewDeliveries makes no tables of its own any more: Open has.
func TestSqliteNewDeliveriesOnlyChecks(t *testing.T) {
	ctx := context.Background()
	db := open(t, t.TempDir())
	defer db.Close()
	before := schema(t, db.SQL())
	if _, err := sqlite.NewDeliveries(ctx, db); err != nil {
		t.Fatal(err)
	}
	if after := schema(t, db.SQL()); !slices.Equal(before, after) {
		t.Errorf("NewDeliveries changed the schema:\n%s", diff(after, before))
	}
	if _, err := db.SQL().Exec(`PRAGMA user_version = 2`); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.NewDeliveries(ctx, db); err == nil {
		t.Error("NewDeliveries accepted a store behind the schema")
	}
}

// Change 4: a file at version 3 (notices without a count of escalations)
// opens at the new schema, and a notice it had escalated counts as
// escalated once, so that a source's second escalation still comes.
func TestSqliteVersion3NoticesCountTheirEscalation(t *testing.T) {
	ctx := context.Background()
	fresh := freshSchema(t)
	dir := t.TempDir()
	open(t, dir).Close()
	db := raw(t, dir)
	exec(t, db, `ALTER TABLE unit_notices DROP COLUMN escalations`,
		`INSERT INTO unit_notices (transition, unit, warning_id, sent, escalated) VALUES ('t1', 'cement-b', 1, 1764576000000, 1764579600000)`,
		`INSERT INTO unit_notices (transition, unit, warning_id, sent) VALUES ('t1', 'brick-a', 1, 1764576000000)`,
		`PRAGMA user_version = 3`)
	db.Close()

	s := open(t, dir)
	log, err := sqlite.NewDeliveries(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := log.Notices(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, n := range ns {
		got[n.Unit] = n.Escalations
	}
	if got["cement-b"] != 1 || got["brick-a"] != 0 || len(got) != 2 {
		t.Errorf("escalations after the upgrade: %v, want cement-b 1, brick-a 0", got)
	}
	s.Close()
	checkUpgraded(t, dir, fresh)
}

// checkUpgraded checks that the closed store in dir is at the schema of a
// new file (fresh), version and all.
func checkUpgraded(t *testing.T, dir string, fresh []string) {
	t.Helper()
	db := raw(t, dir)
	defer db.Close()
	if v := userVersion(t, db); v != sqlite.SchemaVersion {
		t.Errorf("version %d after the upgrade, want %d", v, sqlite.SchemaVersion)
	}
	if got := schema(t, db); !slices.Equal(got, fresh) {
		t.Errorf("the upgraded schema differs from a new file's:\n%s", diff(got, fresh))
	}
}

// Change 8: a file at version 7 (photos of task reports, meter readings,
// no inspection loop) opens at the new schema with its photos, which the new triggers
// then keep five years like the inspections' own.
func TestSqliteVersion7GetsTheInspectionLoop(t *testing.T) {
	ctx := context.Background()
	fresh := freshSchema(t)
	dir := t.TempDir()
	open(t, dir).Close()
	db := raw(t, dir)
	exec(t, db, `DROP TRIGGER evidence_kept`, `DROP TRIGGER task_evidence_kept`, `DROP TRIGGER compliance_events_kept`,
		`DROP TRIGGER compliance_inspections_kept`, `DROP TRIGGER inspection_photos_kept`, `DROP TRIGGER compliance_consequences_kept`,
		`DROP TABLE inspection_photos`, `DROP TABLE compliance_consequences`, `DROP TABLE compliance_events`, `DROP TABLE compliance_inspections`,
		fmt.Sprintf(`INSERT INTO evidence (sha256, content_type, size, data, created) VALUES ('ab', 'image/png', 4, X'89504E47', %d)`, time.Now().UnixMilli()),
		fmt.Sprintf(`INSERT INTO task_evidence (warning_id, unit, task, sha256, at, by) VALUES (1, 'cem-b', 'stop', 'ab', %d, 'x')`, time.Now().UnixMilli()),
		`PRAGMA user_version = 7`)
	db.Close()

	s := open(t, dir)
	if es, err := s.TaskEvidence(ctx, 1, "cem-b"); err != nil || len(es) != 1 {
		t.Errorf("the version 7 photo after the upgrade: %+v %v", es, err)
	}
	if _, err := s.SQL().ExecContext(ctx, `DELETE FROM task_evidence`); err == nil {
		t.Error("the upgraded store let a photo of today be deleted")
	}
	s.Close()
	db = raw(t, dir)
	defer db.Close()
	if v := userVersion(t, db); v != sqlite.SchemaVersion {
		t.Errorf("version %d, want %d", v, sqlite.SchemaVersion)
	}
	if got := schema(t, db); !slices.Equal(got, fresh) {
		t.Errorf("the upgraded schema differs from a new file's:\n%s", diff(got, fresh))
	}
}

// Change 9: a file at version 8 (the inspection loop, no restart
// approvals) opens at the new schema, its findings kept.
func TestSqliteVersion8GetsRestartApprovals(t *testing.T) {
	ctx := context.Background()
	fresh := freshSchema(t)
	dir := t.TempDir()
	open(t, dir).Close()
	db := raw(t, dir)
	exec(t, db, `DROP TRIGGER restart_approvals_kept`, `DROP TABLE restart_approvals`,
		`INSERT INTO compliance_events (id, enterprise, rule, state, start, created, record) VALUES ('ce-1', 'cem-b', 'R1_stop_not_executed', 'open', 1, 3, '{"id":"ce-1","enterprise":"cem-b","state":"open"}')`,
		`PRAGMA user_version = 8`)
	db.Close()

	s := open(t, dir)
	if e, err := s.Event(ctx, "ce-1"); err != nil || e.Enterprise != "cem-b" {
		t.Errorf("the version 8 finding after the upgrade: %+v %v", e, err)
	}
	if as, err := s.Approvals(ctx, time.Unix(0, 0), time.Now()); err != nil || len(as) != 0 {
		t.Errorf("approvals after the upgrade: %+v %v", as, err)
	}
	s.Close()
	checkUpgraded(t, dir, fresh)
}

package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/aqwarn/aqwarn"
)

// The schema is one ordered list of changes, migrations/NNNN_name.sql:
// change N brings the file to PRAGMA user_version N, once, in one
// transaction with its version. Append a file to change the schema; never
// edit a change that has shipped.
//
// Change 1 is the first layout together with the dead letters' size and
// hash columns, so that a store made before this list (user_version 1: all
// its tables, then those columns) stands where a new file stands after
// change 1. Its CREATEs are IF NOT EXISTS for the stores from before
// schema versions (user_version 0). Change 2 adds the delivery tables,
// which NewDeliveries used to make outside the version (IF NOT EXISTS for
// the same reason); change 3 the delivery claims' lease; change 4 a
// notice's count of escalations; change 5 the reduction list's versions;
// change 6 the photos of execution reports; change 7 the listed sources'
// meter and emission readings; change 8 the inspection loop of compliance,
// with the triggers that keep its evidence five years.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one schema change.
type migration struct {
	version int
	name    string // the file, for error messages
	sql     string
}

var migrations = loadMigrations(migrationFiles, "migrations")

// SchemaVersion is the version this build writes.
var SchemaVersion = len(migrations)

// loadMigrations reads the changes in order; their numbers must run 1, 2,
// 3… without a gap (a build that breaks this fails at start, in any test).
func loadMigrations(fsys fs.FS, dir string) []migration {
	entries, err := fs.ReadDir(fsys, dir) // sorted by name
	if err != nil {
		panic(err)
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 || !strings.HasSuffix(e.Name(), ".sql") {
			panic(fmt.Sprintf("sqlite: migration %s is not named NNNN_name.sql", e.Name()))
		}
		if v != len(out)+1 {
			panic(fmt.Sprintf("sqlite: migration %s: want number %04d", e.Name(), len(out)+1))
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			panic(err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	return out
}

// migrate applies the changes the file has not had yet. A file written by
// a newer build (a higher version) is refused: this build would not know
// its tables.
func (s *DB) migrate(ctx context.Context) error {
	v, err := s.schemaVersion(ctx)
	if err != nil {
		return err
	}
	if v > SchemaVersion {
		return &aqwarn.Error{Code: aqwarn.EINVALID, Op: "sqlite.migrate",
			Message: fmt.Sprintf("the store was written by a newer aqwarn (schema %d, this build knows %d): upgrade aqwarn", v, SchemaVersion)}
	}
	for _, m := range migrations[v:] {
		if err := s.step(ctx, m); err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.migrate", Message: fmt.Sprintf("schema change %d (%s) failed", m.version, m.name), Err: err}
		}
	}
	return nil
}

func (s *DB) schemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return 0, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.migrate", Message: "cannot read the schema version", Err: err}
	}
	return v, nil
}

// step applies one change and sets its version, in one transaction.
func (s *DB) step(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, m.version)); err != nil {
		return err
	}
	return tx.Commit()
}

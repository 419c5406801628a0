package sqlite_test

import (
	"testing"

	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/alert/lifecycle/storetest"
)

// The SQLite store keeps the lifecycle's store contract, also across a
// reopen of its file (a restart).
func TestSqliteStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (lifecycle.Store, func(*testing.T) lifecycle.Store) {
		dir := t.TempDir()
		db := open(t, dir)
		t.Cleanup(func() { db.Close() })
		return db, func(t *testing.T) lifecycle.Store {
			db.Close()
			db = open(t, dir)
			return db
		}
	})
}

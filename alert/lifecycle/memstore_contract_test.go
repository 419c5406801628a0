package lifecycle_test

import (
	"testing"

	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/alert/lifecycle/storetest"
)

// MemStore keeps the store contract that store/sqlite keeps (it keeps
// nothing across a restart: that case is skipped).
func TestMemStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (lifecycle.Store, func(*testing.T) lifecycle.Store) {
		return lifecycle.NewMemStore(), nil
	})
}

package inspect_test

import (
	"testing"

	"github.com/aqwarn/aqwarn/compliance/inspect"
	"github.com/aqwarn/aqwarn/compliance/inspect/storetest"
)

// MemStore keeps the loop's store contract (it keeps nothing across a
// restart, so the restart rule is not run).
func TestMemStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (inspect.Store, func(*testing.T) inspect.Store) {
		return inspect.NewMemStore(), nil
	})
}

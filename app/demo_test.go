package app

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo's store: dir/demo, created with its marker, emptied at every
// start; a dir/demo that is not the demo's is refused and left as it was,
// and dir itself is never touched.
func TestFreshDemoStore(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "aqwarn.db") // a store of the service proper
	os.WriteFile(other, []byte("keep"), 0o644)
	var out strings.Builder
	got, err := freshDemoStore(dir, &out)
	demo := filepath.Join(dir, "demo")
	if err != nil || got != demo || out.String() != "aqwarn: demo: starting afresh in "+demo+"\n" {
		t.Fatalf("first start: %q, %v, said %q", got, err, out.String())
	}
	old := filepath.Join(demo, "aqwarn.db")
	os.WriteFile(old, []byte("the previous run"), 0o644)
	if _, err := freshDemoStore(dir, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the previous run's store is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(demo, demoStoreMarker)); err != nil {
		t.Errorf("no marker after the second start: %v", err)
	}
	if b, _ := os.ReadFile(other); string(b) != "keep" {
		t.Errorf("the store beside the demo's was touched: %q", b)
	}

	// Not the demo's: an error, nothing removed.
	dir2 := t.TempDir()
	foreign := filepath.Join(dir2, "demo", "aqwarn.db")
	os.MkdirAll(filepath.Dir(foreign), 0o755)
	os.WriteFile(foreign, []byte("someone's data"), 0o644)
	if _, err := freshDemoStore(dir2, io.Discard); err == nil || !strings.Contains(err.Error(), "not the demo's store") {
		t.Errorf("a foreign demo directory: %v", err)
	}
	if b, _ := os.ReadFile(foreign); string(b) != "someone's data" {
		t.Errorf("a foreign directory was touched: %q", b)
	}
}

package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// Readiness writes (audit M5): with the database full, Probe fails and
// says the store cannot be written; once space returns it passes again.
func TestProbeNoticesAFullStore(t *testing.T) {
	sqlite.SetProbeEvery(0)
	defer sqlite.SetProbeEvery(30 * time.Second)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Probe(ctx); err != nil {
		t.Fatalf("a healthy store: %v", err)
	}
	exec := func(q string, args ...any) error {
		_, err := db.SQL().ExecContext(ctx, q, args...)
		return err
	}
	if err := exec(`DELETE FROM kv WHERE k = 'readiness_probe'`); err != nil {
		t.Fatal(err)
	}
	var pages int
	db.SQL().QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages)
	// The file may not grow (as on a full disk); small rows fill what is left.
	if err := exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	full := false
	for i := 0; i < 100_000 && !full; i++ {
		full = exec(`INSERT INTO kv (k, v) VALUES (?, 'x')`, "f"+strconv.Itoa(i)) != nil
	}
	if !full {
		t.Fatal("the store never filled up")
	}
	err = db.Probe(ctx)
	if err == nil || !strings.Contains(err.Error(), "cannot be written") {
		t.Fatalf("a full store: %v", err)
	}
	if err := exec(`PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if err := db.Probe(ctx); err != nil {
		t.Errorf("after space returned: %v", err)
	}
}

// A damaged file is refused at start with its path and what to do (audit L4).
func TestDamagedStoreRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		db.AddDeadLetter(ctx, aqwarn.DeadLetter{Source: "s", Reason: "r", Payload: strings.Repeat("p", 200), Message: strconv.Itoa(i)})
	}
	db.Close()
	path := filepath.Join(dir, "aqwarn.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Garbage in every 7th page after the first (the header stays readable).
	const page = 4096
	for off := 7 * page; off+page <= len(b); off += 7 * page {
		for i := off + 100; i < off+page; i++ {
			b[i] = byte(i * 31)
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	_, err = sqlite.Open(ctx, dir)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), ".recover") {
		t.Fatalf("a damaged store: %v", err)
	}
}

package app

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/broker"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/reduction"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// The service runs on the configured reduction list until a later year's
// version is published through the revision; from the next start it runs
// on that one.
func TestListInForce(t *testing.T) {
	ctx := context.Background()
	store := filepath.Join(t.TempDir(), "store")
	text := fmt.Sprintf(testConfig, broker.HashPassword("station-secret"), store) + "reduction_list: embedded:reduction/jianghua-2026.yaml\n"
	cfg, err := configs.Parse([]byte(text), func(k string) string {
		return map[string]string{"AQWARN_NOTICE_KEY": "test-notice-key-0123456789"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	listID := func() string {
		t.Helper()
		a, err := New(ctx, cfg, Options{Stdout: &syncBuffer{}})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		return a.delivery.list.ID
	}
	if got := listID(); got != "jianghua-2026" {
		t.Fatalf("at first: %s", got)
	}

	// The 2027 list goes through the revision and is published.
	b, err := fs.ReadFile(configs.Lists, "reduction/jianghua-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	next := strings.Replace(strings.Replace(string(b), "id: jianghua-2026 ", "id: jianghua-2027 ", 1), "year: 2026 ", "year: 2027 ", 1)
	db, err := sqlite.Open(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2027, 9, 1, 10, 0, 0, 0, time.UTC)
	v, err := db.AddListVersion(ctx, reduction.Version{Year: 2027, ListID: "jianghua-2027", Created: at, By: "wang"}, next)
	if err != nil {
		t.Fatal(err)
	}
	for i, step := range []string{reduction.ActionReview, reduction.ActionApprove, reduction.ActionFile, reduction.ActionPublish} {
		nv, err := reduction.Advance(v, step, []string{"li", "zhao", "wang", "wang"}[i], "", at)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SaveListStep(ctx, nv, v.State); err != nil {
			t.Fatal(err)
		}
		v = nv
	}
	db.Close()
	if got := listID(); got != "jianghua-2027" {
		t.Errorf("after the 2027 list was published: running on %s", got)
	}
}

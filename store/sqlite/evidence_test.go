package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// A photo is kept once by its hash and linked to its task; sent again for
// the same task it is the same evidence; a task takes at most
// MaxEvidencePerTask; the photo comes back byte for byte, with the units
// it documents, after a reopen.
func TestEvidence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := open(t, dir)
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	photo := []byte("\x89PNG\r\n\x1a\nphoto-1")
	e := followup.Evidence{WarningID: 7, Unit: "cem-b", Task: "orange:limit_pct:20", ContentType: "image/png", At: at, By: "cem-b duty"}
	first, err := db.AddEvidence(ctx, e, photo)
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.AddEvidence(ctx, e, photo)
	if err != nil || again.SHA256 != first.SHA256 {
		t.Fatalf("the same photo again: %+v %v", again, err)
	}
	for i := 2; i <= sqlite.MaxEvidencePerTask; i++ {
		if _, err := db.AddEvidence(ctx, e, fmt.Appendf(nil, "\x89PNG\r\n\x1a\nphoto-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.AddEvidence(ctx, e, []byte("\x89PNG\r\n\x1a\none too many")); aqwarn.ErrorCode(err) != aqwarn.ECONFLICT {
		t.Errorf("photo %d: %v, want conflict", sqlite.MaxEvidencePerTask+1, err)
	}
	// The same image documents another unit's task too.
	other := e
	other.Unit, other.Task = "brick-c", "orange:stop_unit"
	if _, err := db.AddEvidence(ctx, other, photo); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = open(t, dir)
	defer db.Close()
	es, err := db.TaskEvidence(ctx, 7, "cem-b")
	if err != nil || len(es) != sqlite.MaxEvidencePerTask {
		t.Fatalf("cem-b's evidence: %d %+v %v", len(es), es, err)
	}
	if i := slices.IndexFunc(es, func(x followup.Evidence) bool { return x.SHA256 == first.SHA256 }); i < 0 || es[i].Size != len(photo) || !es[i].At.Equal(at) || es[i].By != "cem-b duty" {
		t.Errorf("the first photo is not listed as kept: %+v", es)
	}
	if all, _ := db.TaskEvidence(ctx, 7, ""); len(all) != sqlite.MaxEvidencePerTask+1 {
		t.Errorf("every unit's: %d", len(all))
	}
	ct, data, units, err := db.EvidenceData(ctx, first.SHA256)
	if err != nil || ct != "image/png" || !bytes.Equal(data, photo) || fmt.Sprint(units) != "[brick-c cem-b]" {
		t.Errorf("the photo: %q %q %v %v", ct, data, units, err)
	}
	if _, _, _, err := db.EvidenceData(ctx, "00"); aqwarn.ErrorCode(err) != aqwarn.ENOTFOUND {
		t.Errorf("no such photo: %v", err)
	}
}

package sqlite_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/reduction"
)

// A year's list goes draft → reviewed → approved → filed → published on
// the store, each step kept with who took it; a step from a stale state
// is refused; publishing a second version supersedes the first; the text
// is kept as uploaded, and all of it survives a reopen.
func TestListVersions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	at := time.Date(2026, 8, 20, 9, 0, 0, 0, time.UTC)
	text := "id: jianghua-2026\nyear: 2026\n"
	v1, err := s.AddListVersion(ctx, reduction.Version{Year: 2026, ListID: "jianghua-2026", Created: at, By: "wang"}, text)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(text))
	if v1.ID == 0 || v1.State != reduction.StateDraft || v1.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("draft = %+v", v1)
	}
	// Taken in turn by li and zhang (four eyes).
	by := map[string]string{reduction.ActionReview: "li", reduction.ActionApprove: "zhang", reduction.ActionFile: "li", reduction.ActionPublish: "li"}
	step := func(v reduction.Version, action string) reduction.Version {
		t.Helper()
		next, err := reduction.Advance(v, action, by[action], "", at.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveListStep(ctx, next, v.State); err != nil {
			t.Fatal(err)
		}
		return next
	}
	v1 = step(v1, reduction.ActionReview)
	// Someone else's stale view of the draft: refused.
	stale, _ := reduction.Advance(reduction.Version{ID: v1.ID, State: reduction.StateDraft}, reduction.ActionReview, "zhao", "", at)
	if err := s.SaveListStep(ctx, stale, reduction.StateDraft); aqwarn.ErrorCode(err) != aqwarn.ECONFLICT {
		t.Errorf("a step from a stale state: %v, want conflict", err)
	}
	for _, a := range []string{reduction.ActionApprove, reduction.ActionFile, reduction.ActionPublish} {
		v1 = step(v1, a)
	}
	// An edit is a new draft; published, it supersedes the first.
	v2, err := s.AddListVersion(ctx, reduction.Version{Year: 2026, ListID: "jianghua-2026", Created: at.Add(48 * time.Hour), By: "wang"}, text+"# edited\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{reduction.ActionReview, reduction.ActionApprove, reduction.ActionFile, reduction.ActionPublish} {
		v2 = step(v2, a)
	}
	s.Close()

	s = open(t, dir)
	defer s.Close()
	vs, err := s.ListVersions(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].ID != v2.ID || vs[0].State != reduction.StatePublished || vs[1].State != reduction.StateSuperseded {
		t.Fatalf("versions after the reopen: %+v", vs)
	}
	if got := vs[1].Steps; len(got) != 4 || got[3].State != reduction.StatePublished || got[0].By != "li" {
		t.Errorf("the first version's steps: %+v", got)
	}
	got, gotText, err := s.ListVersion(ctx, v1.ID)
	if err != nil || gotText != text || got.SHA256 != v1.SHA256 {
		t.Errorf("version 1: %+v %q %v", got, gotText, err)
	}
	if _, _, err := s.ListVersion(ctx, 99); aqwarn.ErrorCode(err) != aqwarn.ENOTFOUND {
		t.Errorf("no such version: %v", err)
	}
	if vs, _ := s.ListVersions(ctx, 2027); len(vs) != 0 {
		t.Errorf("2027: %+v", vs)
	}
}

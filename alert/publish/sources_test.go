package publish_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/alert/publish"
	"github.com/aqwarn/aqwarn/reduction"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// withList adds the demo county's reduction list to the fixture, as the
// service wires it (app/publish.go).
func withList(t testing.TB, f *fixture) (publish.ListSources, *publish.Verifier) {
	t.Helper()
	refs := reduction.Refs{ChannelKinds: alert.ChannelKinds()}
	for _, u := range f.plan.Units {
		refs.Units = append(refs.Units, u.ID)
	}
	for _, r := range f.plan.Regions {
		refs.Regions = append(refs.Regions, r.ID)
	}
	list, err := reduction.Load(filepath.Join("..", "..", "configs", "reduction", "jianghua-2026.yaml"), refs)
	if err != nil {
		t.Fatal(err)
	}
	src := publish.ListSources{List: list, Plan: f.plan}
	f.pub.Sources, f.pub.SourceReportWithin = src, list.Notices.ReportWithin.Duration
	f.pub.NoticeKey = []byte("test-notice-key-0123456789")
	f.pub.VerifyURL = func(s string) string { return "https://aq.example/verify?serial=" + s }
	member := f.tracker.Policy
	f.tracker.PolicyFor = func(unit string) followup.Policy {
		if src.IsSource(unit) {
			return src.Policy()
		}
		return member
	}
	v := &publish.Verifier{CAPs: f.log, Sent: f.log, Key: f.pub.NoticeKey, Sources: func() []string {
		var ids []string
		for _, e := range list.Enterprises {
			ids = append(ids, e.ID)
		}
		return ids
	}}
	return src, v
}

func entries(t testing.TB, f *fixture, unit string) []notify.Entry {
	t.Helper()
	es, err := f.log.DeliveryEntries(context.Background(), sqlite.DeliveryFilter{Unit: unit, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// Issuing orange tells every listed source its own measures: exactly one
// notice per source and channel (its retained task topic, and its SMS
// number where it has one), each with a serial and code that verify; a
// second publication of the same transition sends nothing new. An
// invented serial and a wrong code are refused alike.
func TestListedSourcesToldTheirOwnMeasures(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	src, verify := withList(t, f)
	t0 := time.Date(2026, 12, 1, 16, 5, 0, 0, cst)
	f.now = t0
	issue := change("w7-t1", "issue", "none", "orange", t0)
	for range 2 {
		if err := f.pub.Publish(ctx, issue); err != nil {
			t.Fatal(err)
		}
	}
	want := src.Tasks("orange", "", t0)
	serials := map[string]bool{}
	for _, e := range src.List.Enterprises {
		es := entries(t, f, e.ID)
		channels := 1 // the retained task topic
		for _, c := range e.Channels {
			if c.Kind != notify.ChannelMQTT {
				channels++
			}
		}
		if len(es) != channels {
			t.Errorf("%s: %d deliveries, want one per channel (%d)", e.ID, len(es), channels)
			continue
		}
		for _, en := range es {
			m := en.Message
			if en.Recipient.Role != alert.UnitSource || !slices.EqualFunc(m.Tasks, want[e.ID], func(a, b notify.Task) bool { return a.ID == b.ID && a.TextZH == b.TextZH }) {
				t.Errorf("%s on %s: tasks %+v, want its own measures %+v", e.ID, en.Channel.Kind, m.Tasks, want[e.ID])
			}
			if len(m.Supervisors) == 0 || m.Serial == "" || len(m.VerifyCode) != 6 || !strings.HasSuffix(m.VerifyURL, m.Serial) {
				t.Errorf("%s: supervisors %v, serial %q, code %q, verify %q", e.ID, m.Supervisors, m.Serial, m.VerifyCode, m.VerifyURL)
			}
			serials[m.Serial] = true
			chk, err := verify.Verify(ctx, m.Serial, m.VerifyCode)
			if err != nil || !chk.Genuine || chk.Recipient != e.NameZH || len(chk.Measures) != len(want[e.ID]) {
				t.Errorf("%s: verification %+v, %v", e.ID, chk, err)
			}
		}
	}
	if len(serials) != len(src.List.Enterprises) {
		t.Errorf("%d distinct serials for %d sources", len(serials), len(src.List.Enterprises))
	}
	// cem-b is grade B cement: orange limits its kiln by 20 % of the
	// smallest of design, permit and last year (3500 t/d) → 2800 t/d.
	if ts := want["cem-b"]; !slices.ContainsFunc(ts, func(x notify.Task) bool { return strings.Contains(x.TextZH, "2800") }) {
		t.Errorf("cem-b's orange measures do not name its 2800 t/d limit: %+v", ts)
	}
	// Forgeries: a made-up serial, a real serial with a wrong code.
	real := entries(t, f, "cem-b")[0].Message
	wrong := "000000"
	if real.VerifyCode == wrong {
		wrong = "000001"
	}
	for _, tc := range []struct{ serial, code string }{{"N7-ABCDEFGH", real.VerifyCode}, {real.Serial, wrong}, {real.Serial, ""}} {
		if _, err := verify.Verify(ctx, tc.serial, tc.code); aqwarn.ErrorCode(err) != aqwarn.ENOTFOUND {
			t.Errorf("Verify(%q, %q) = %v, want not found", tc.serial, tc.code, err)
		}
	}
	// Guessing: with a limit of 3 wrong codes a serial, the fourth check
	// of the serial is refused even with the right code; another's is not.
	verify.Guesses = &publish.Guesses{Max: 3}
	for range 3 {
		if _, err := verify.Verify(ctx, real.Serial, wrong); aqwarn.ErrorCode(err) != aqwarn.ENOTFOUND {
			t.Fatalf("wrong code: %v, want not found", err)
		}
	}
	if _, err := verify.Verify(ctx, real.Serial, real.VerifyCode); aqwarn.ErrorCode(err) != "rate_limited" {
		t.Errorf("after 3 wrong codes: %v, want rate_limited", err)
	}
	other := entries(t, f, "coat-u")[0].Message
	if chk, err := verify.Verify(ctx, other.Serial, other.VerifyCode); err != nil || !chk.Genuine {
		t.Errorf("another serial: %+v, %v", chk, err)
	}
}

// An unacknowledged source is reminded at 30 min, reported to its
// supervising units at 1 h and to the command office at 2 h (the list's
// notices section); a source that acknowledged is left alone.
func TestListedSourceEscalation(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	src, _ := withList(t, f)
	t0 := time.Date(2026, 12, 1, 16, 5, 0, 0, cst)
	f.now = t0
	if err := f.pub.Publish(ctx, change("w7-t1", "issue", "none", "orange", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.log.Acknowledge(ctx, 7, "cem-b", "cem-b duty", t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	step := func(d time.Duration) {
		t.Helper()
		f.now = t0.Add(d)
		if err := f.tracker.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	silent, _ := src.List.Enterprise("coat-u")
	supervisors := silent.SupervisingUnits
	count := func(unit, sub string) int { return countWith(keys(t, f, unit), sub) }
	step(29 * time.Minute)
	if n := count("coat-u", "#r1"); n != 0 {
		t.Errorf("reminded before 30 min: %d", n)
	}
	step(30 * time.Minute)
	if n := count("coat-u", "#r1"); n == 0 {
		t.Error("no reminder at 30 min")
	}
	step(59 * time.Minute)
	if n := count(supervisors[0], "#supervisor-coat-u"); n != 0 {
		t.Errorf("escalated before 1 h: %d", n)
	}
	step(time.Hour)
	for _, s := range supervisors {
		if n := count(s, "#supervisor-coat-u"); n == 0 {
			t.Errorf("supervising unit %s not told at 1 h", s)
		}
	}
	if n := count("ecology_branch", "#escalate-coat-u"); n != 0 && !slices.Contains(supervisors, "ecology_branch") {
		t.Errorf("the office told at 1 h already: %d", n)
	}
	step(2 * time.Hour)
	office := count("ecology_branch", "#escalate-coat-u")
	if office == 0 {
		t.Error("the command office not told at 2 h")
	}
	step(5 * time.Hour)
	if n := count("ecology_branch", "#escalate-coat-u"); n != office {
		t.Errorf("escalated to the office again: %d deliveries, then %d", office, n)
	}
	// cem-b acknowledged: nothing escalated about it.
	for _, u := range f.plan.Units {
		if n := count(u.ID, "-cem-b/"); n != 0 {
			t.Errorf("%s was told about cem-b, which acknowledged: %d", u.ID, n)
		}
	}
}

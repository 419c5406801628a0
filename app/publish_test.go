package app

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// fakeReplyStore has one open notice (warning 1, police) and one open task.
type fakeReplyStore struct {
	acked, done []string
}

func (f *fakeReplyStore) open() bool { return len(f.acked) == 0 }

func (f *fakeReplyStore) Acknowledge(_ context.Context, warningID int64, unit, by string, _ time.Time) (int, error) {
	if warningID != 1 || unit != "police" || !f.open() {
		return 0, nil
	}
	f.acked = append(f.acked, unit+" by "+by)
	return 1, nil
}

func (f *fakeReplyStore) FinishTask(_ context.Context, warningID int64, unit, task, note string, _ time.Time) error {
	if warningID != 1 || unit != "police" || task != "t1" {
		return &aqwarn.Error{Code: aqwarn.ECONFLICT, Message: "no such open task"}
	}
	f.done = append(f.done, unit+" "+task+" "+note)
	return nil
}

type memDead struct{ ds []aqwarn.DeadLetter }

func (m *memDead) AddDeadLetter(_ context.Context, d aqwarn.DeadLetter) (int64, error) {
	m.ds = append(m.ds, d)
	return int64(len(m.ds)), nil
}

// A unit's MQTT reply goes the one way replies go: acknowledged or done by
// the unit's account (the sender's "by" a comment), audited; what is
// unreadable or matches nothing open is kept as a dead letter.
func TestUnitReplies(t *testing.T) {
	st, audit, dead := &fakeReplyStore{}, lifecycle.NewMemStore(), &memDead{}
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	replies := &followup.Replies{Store: st, Audit: audit, DeadLetters: dead, Now: func() time.Time { return at }}
	on := unitReplies("aq", replies, dead, slog.New(slog.DiscardHandler))

	on("police", []byte(`{"warning_id":1,"by":"Officer Li"}`))
	on("police", []byte(`{"warning_id":1,"task":"t1","note":"roads swept"}`))
	on("police", []byte(`{"warning_id":1}`))              // nothing open any more
	on("finance", []byte(`{"warning_id":1,"task":"t9"}`)) // no such task
	on("police", []byte(`{not json`))

	if want := []string{"police by mqtt:unit-police"}; !slices.Equal(st.acked, want) {
		t.Errorf("acknowledged %v, want %v", st.acked, want)
	}
	if want := []string{"police t1 roads swept"}; !slices.Equal(st.done, want) {
		t.Errorf("done %v, want %v", st.done, want)
	}
	es, _ := audit.Audit(context.Background(), 0, 10)
	var lines []string
	for _, e := range es {
		lines = append(lines, e.Actor+" "+e.Role+" "+e.Action+" "+e.Subject+" | "+e.Comment)
	}
	want := []string{
		"unit-police unit:police unit_ack warning 1 unit police | reported by (as sent): Officer Li",
		"unit-police unit:police task_done warning 1 unit police task t1 | roads swept",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("audit\n%q\nwant\n%q", lines, want)
	}
	var reasons []string
	for _, d := range dead.ds {
		reasons = append(reasons, d.Source+" "+d.Reason)
	}
	wantDead := []string{
		"mqtt:aq/units/police/ack " + followup.ReasonNothingToAcknowledge,
		"mqtt:aq/units/finance/ack " + followup.ReasonNoOpenTask,
		"mqtt:aq/units/police/ack reply_invalid",
	}
	if !slices.Equal(reasons, wantDead) {
		t.Errorf("dead letters %q, want %q", reasons, wantDead)
	}
	if p := dead.ds[2].Payload; p != "{not json" {
		t.Errorf("the unreadable reply kept as %q", p)
	}
}

func TestUsableChannels(t *testing.T) {
	units := []alert.Unit{{ID: "police", Channels: []alert.Channel{{Kind: "mqtt"}, {Kind: "webhook"}, {Kind: "email"}}}}
	kinds := func(us []alert.Unit) []string {
		var out []string
		for _, c := range us[0].Channels {
			out = append(out, c.Kind)
		}
		return out
	}
	log := slog.New(slog.DiscardHandler)
	if got := kinds(usableChannels(units, nil, false, log)); !slices.Equal(got, []string{"mqtt", "webhook", "email"}) {
		t.Errorf("none configured: %v, want all", got)
	}
	if got := kinds(usableChannels(units, nil, true, log)); !slices.Equal(got, []string{"mqtt"}) {
		t.Errorf("the demo: %v, want mqtt only", got)
	}
	if got := kinds(usableChannels(units, []string{"email", "webhook"}, true, log)); !slices.Equal(got, []string{"webhook", "email"}) {
		t.Errorf("configured: %v", got)
	}
	if len(units[0].Channels) != 3 {
		t.Error("the plan's units were changed")
	}
}

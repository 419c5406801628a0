package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

func deliveries(t *testing.T, dir string) (*sqlite.DB, *sqlite.Deliveries) {
	t.Helper()
	db := open(t, dir)
	d, err := sqlite.NewDeliveries(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return db, d
}

func delivery(unit string) notify.Delivery {
	c := alert.Channel{Kind: "webhook", Target: "http://127.0.0.1:1/" + unit}
	return notify.Delivery{Key: notify.DeliveryKey("w1-t1", unit, c), Recipient: notify.Recipient{Unit: unit}, Channel: c,
		Message: notify.Message{Transition: "w1-t1", Tasks: []notify.Task{{ID: "m1", TextZH: "任务"}}}}
}

// TestOutboxSurvivesReopen: keys are enqueued once; what is claimed and
// not recorded comes back to the next owner as a redelivery, after a
// reopen; recorded entries are not claimed again; a retry waits its turn.
func TestOutboxSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	db, log := deliveries(t, dir)
	ds := []notify.Delivery{delivery("a"), delivery("b"), delivery("c")}
	if n, err := log.Enqueue(ctx, ds, now); err != nil || n != 3 {
		t.Fatalf("enqueue = %d, %v", n, err)
	}
	if n, _ := log.Enqueue(ctx, ds, now); n != 0 {
		t.Fatalf("second enqueue added %d", n)
	}
	got, err := log.Claim(ctx, "one", now, 2)
	if err != nil || len(got) != 2 || got[0].Attempts != 1 || got[0].Redelivery || len(got[0].Message.Tasks) != 1 {
		t.Fatalf("claim = %+v, %v", got, err)
	}
	// "a" is sent; "b" fails and is retried in a minute; then a crash.
	log.Record(ctx, []notify.Result{{Key: got[0].Key, State: notify.StateSent, At: now},
		{Key: got[1].Key, State: notify.StatePending, At: now, NextAt: now.Add(time.Minute), LastError: "503"}})
	again, _ := log.Claim(ctx, "one", now, 10) // "c" only: "b" is not due
	if len(again) != 1 || again[0].Recipient.Unit != "c" {
		t.Fatalf("claim 2 = %+v", again)
	}
	db.Close()

	_, log = deliveries(t, dir)
	later, _ := log.Claim(ctx, "two", now.Add(2*time.Minute), 10)
	units := map[string]notify.Entry{}
	for _, e := range later {
		units[e.Recipient.Unit] = e
	}
	if len(later) != 2 || !units["c"].Redelivery || units["b"].Redelivery || units["b"].Attempts != 2 {
		t.Fatalf("after reopen: %+v", later)
	}
	failed, _ := log.DeliveryEntries(ctx, sqlite.DeliveryFilter{States: []string{notify.StateSent}})
	if len(failed) != 1 || failed[0].Recipient.Unit != "a" || failed[0].SentAt.IsZero() {
		t.Fatalf("sent = %+v", failed)
	}
}

// TestNoticesAndTasks: acknowledgement, done reports, supersession.
func TestNoticesAndTasks(t *testing.T) {
	ctx := context.Background()
	_, log := deliveries(t, t.TempDir())
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	task := func(unit, id, state string) followup.TaskState {
		return followup.TaskState{WarningID: 1, Unit: unit, Task: id, Kind: "health", State: state, Assigned: at, Updated: at}
	}
	n := func(tr, unit string) followup.Notice {
		return followup.Notice{Transition: tr, WarningID: 1, Unit: unit, Sent: at}
	}
	if err := log.Assign(ctx, 1, []followup.Notice{n("t1", "a"), n("t1", "b")},
		[]followup.TaskState{task("a", "m1", followup.TaskAssigned), task("b", "m1", followup.TaskAssigned)}); err != nil {
		t.Fatal(err)
	}
	if k, err := log.Acknowledge(ctx, 1, "a", "api", at.Add(time.Minute)); err != nil || k != 1 {
		t.Fatalf("ack = %d, %v", k, err)
	}
	if err := log.FinishTask(ctx, 1, "a", "m1", "done", at.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := log.FinishTask(ctx, 1, "a", "m1", "again", at.Add(3*time.Minute)); err == nil {
		t.Error("a done task reported done again")
	}
	open, _ := log.OpenNotices(ctx)
	if len(open) != 1 || open[0].Unit != "b" {
		t.Fatalf("open = %+v", open)
	}
	// The next transition closes b's old notice and releases its task;
	// a's done task stays done.
	log.Assign(ctx, 1, []followup.Notice{n("t2", "b")}, []followup.TaskState{task("a", "m1", followup.TaskReleased), task("b", "m1", followup.TaskReleased)})
	open, _ = log.OpenNotices(ctx)
	if len(open) != 1 || open[0].Transition != "t2" {
		t.Fatalf("open after t2 = %+v", open)
	}
	board, _ := log.Board(ctx, 1)
	states := map[string]string{}
	for _, s := range board {
		states[s.Unit] = s.State
	}
	if states["a"] != followup.TaskDone || states["b"] != followup.TaskReleased {
		t.Errorf("board = %v", states)
	}
}

// LastSent gives, per channel of a unit, the delivery sent last: what the
// public topics carry now (a pending one does not count).
func TestLastSent(t *testing.T) {
	ctx := context.Background()
	_, log := deliveries(t, t.TempDir())
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	pub := func(tr, region, level string) notify.Delivery {
		c := alert.Channel{Kind: notify.ChannelMQTT, Target: "warnings/" + region}
		return notify.Delivery{Key: notify.DeliveryKey(tr, notify.PublicUnit, c), Recipient: notify.Recipient{Unit: notify.PublicUnit},
			Channel: c, Message: notify.Message{Transition: tr, Region: region, LevelID: level}}
	}
	steps := []struct {
		d     notify.Delivery
		state string
	}{
		{pub("w1-t1", "jianghua", "yellow"), notify.StateSent},
		{pub("w1-t2", "jianghua", "orange"), notify.StateSent},
		{pub("w1-t3", "jianghua", "red"), notify.StatePending}, // not out yet
		{pub("w2-t1", "tuojiang", "yellow"), notify.StateSent},
	}
	for i, st := range steps {
		at := now.Add(time.Duration(i) * time.Minute)
		if _, err := log.Enqueue(ctx, []notify.Delivery{st.d}, at); err != nil {
			t.Fatal(err)
		}
		if err := log.Record(ctx, []notify.Result{{Key: st.d.Key, State: st.state, At: at, NextAt: at.Add(time.Hour)}}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := log.LastSent(ctx, notify.PublicUnit)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string]string{}
	for _, e := range got {
		levels[e.Channel.Target] = e.Message.LevelID
	}
	if len(got) != 2 || levels["warnings/jianghua"] != "orange" || levels["warnings/tuojiang"] != "yellow" {
		t.Errorf("last sent = %v, want jianghua orange (red is pending) and tuojiang yellow", levels)
	}
}

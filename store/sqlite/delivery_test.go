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
// reopen (and the claim's lease); recorded entries are not claimed again;
// a retry waits its turn.
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

// TestDeliveryClaimLease: a claim holds for ClaimLease (kept in the file,
// so across a reopen too). Another owner gets an entry left sending only
// once the claim is more than the lease old, as a redelivery, and its
// claim has a lease of its own; the owner never takes its own entry again;
// a recorded entry is not claimed. The lease is a parameter of the log.
func TestDeliveryClaimLease(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	lease := sqlite.DefaultClaimLease
	if lease != 2*15*time.Second {
		t.Errorf("DefaultClaimLease = %v, want 2 × the dispatcher's default SendTimeout", lease)
	}
	db, log := deliveries(t, dir)
	a := delivery("a")
	if _, err := log.Enqueue(ctx, []notify.Delivery{a}, now); err != nil {
		t.Fatal(err)
	}
	claim := func(owner string, at time.Time) []notify.Entry {
		t.Helper()
		got, err := log.Claim(ctx, owner, at, 10)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := claim("one", now); len(got) != 1 || got[0].Redelivery {
		t.Fatalf("first claim = %+v", got)
	}
	db.Close() // "one" hangs or stops mid-send; another process opens the store
	db, log = deliveries(t, dir)
	defer func() { db.Close() }()

	if got := claim("two", now.Add(lease)); len(got) != 0 {
		t.Errorf("claimed within the lease: %+v", got)
	}
	if got := claim("one", now.Add(lease+time.Hour)); len(got) != 0 {
		t.Errorf("the owner claimed its own entry again: %+v", got)
	}
	t2 := now.Add(lease + time.Millisecond)
	got := claim("two", t2)
	if len(got) != 1 || got[0].Key != a.Key || !got[0].Redelivery || got[0].Attempts != 2 {
		t.Fatalf("after the lease = %+v, want a's redelivery, attempt 2", got)
	}
	if got := claim("three", t2.Add(lease)); len(got) != 0 {
		t.Errorf("two's claim had no lease: %+v", got)
	}
	if got := claim("three", t2.Add(lease+time.Millisecond)); len(got) != 1 || !got[0].Redelivery || got[0].Attempts != 3 {
		t.Errorf("after two's lease = %+v", got)
	}
	if err := log.Record(ctx, []notify.Result{{Key: a.Key, State: notify.StateSent, At: t2}}); err != nil {
		t.Fatal(err)
	}
	if got := claim("four", now.Add(24*time.Hour)); len(got) != 0 {
		t.Errorf("a sent entry was claimed: %+v", got)
	}

	log.ClaimLease = time.Minute
	b := delivery("b")
	if _, err := log.Enqueue(ctx, []notify.Delivery{b}, now); err != nil {
		t.Fatal(err)
	}
	if got := claim("x", now); len(got) != 1 {
		t.Fatalf("claim b = %+v", got)
	}
	if got := claim("y", now.Add(time.Minute)); len(got) != 0 {
		t.Errorf("claimed within a lease of a minute: %+v", got)
	}
	if got := claim("y", now.Add(time.Minute+time.Millisecond)); len(got) != 1 || got[0].Key != b.Key || !got[0].Redelivery {
		t.Errorf("after a lease of a minute = %+v", got)
	}
}

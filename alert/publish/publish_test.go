package publish_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/cap"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/alert/publish"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

var cst = time.FixedZone("CST", 8*3600)

type fixture struct {
	plan    *alert.Plan
	log     *sqlite.Deliveries
	pub     *publish.Publisher
	tracker *followup.Tracker
	now     time.Time
}

func setup(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	p, err := alert.LoadPlan(filepath.Join("..", "..", "configs", "plans", "jianghua-2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log, err := sqlite.NewDeliveries(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{plan: p, log: log}
	// Deliveries are only enqueued here: Run is not started.
	disp := &notify.Dispatcher{Log: log, Now: func() time.Time { return f.now }}
	cal, _ := followup.NewCalendar(cst, []string{"2026-12-07"}, nil) // an illustrative holiday on a Monday
	f.pub = &publish.Publisher{Plan: p, Sender: cap.Sender{ID: "ecology.jianghua.example", DivisionCode: "431129", AgencyCode: "011"},
		CAPs: log, Fanout: disp, Sent: log, Calendar: cal,
		AckURL: func(u string) string { return "http://127.0.0.1:8080/api/v1/units/" + u + "/ack" }}
	f.tracker = &followup.Tracker{Store: log, Now: func() time.Time { return f.now },
		Policy: followup.Policy{ResendAfter: 10 * time.Minute, MaxResends: 1, EscalateAfter: 30 * time.Minute},
		Remind: f.pub.Remind, Escalate: f.pub.Escalate}
	f.pub.Tracker = f.tracker
	return f
}

func change(key, kind, from, to string, at time.Time) publish.Change {
	return publish.Change{Key: key, WarningID: 7, Kind: kind, Region: "jianghua", From: from, To: to, At: at,
		Start: time.Date(2026, 12, 2, 0, 0, 0, 0, cst), ExpectedEnd: time.Date(2026, 12, 5, 0, 0, 0, 0, cst)}
}

func board(t *testing.T, f *fixture) map[string]followup.TaskState {
	t.Helper()
	ts, err := f.log.Board(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]followup.TaskState{}
	for _, s := range ts {
		out[s.Unit+"/"+s.Task] = s
	}
	return out
}

func keys(t *testing.T, f *fixture, unit string) []string {
	t.Helper()
	es, err := f.log.DeliveryEntries(context.Background(), sqlite.DeliveryFilter{Unit: unit, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Key)
	}
	return out
}

func countWith(ss []string, sub string) int {
	n := 0
	for _, s := range ss {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

// TestEpisodeFollowUp walks one episode: issue, acknowledgement by some
// units, reminders and escalation for the others, an upgrade and a
// downgrade that releases tasks, the lift that closes every task and
// creates the plan-7 follow-ups with working-day deadlines.
func TestEpisodeFollowUp(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	t0 := time.Date(2026, 12, 1, 16, 0, 0, 0, cst) // a Tuesday
	f.now = t0
	if err := f.pub.Publish(ctx, change("w7-t1", "issue", "none", "yellow", t0)); err != nil {
		t.Fatal(err)
	}
	// Publishing twice changes nothing.
	if err := f.pub.Publish(ctx, change("w7-t1", "issue", "none", "yellow", t0)); err != nil {
		t.Fatal(err)
	}
	b := board(t, f)
	if s := b["education/r3-schools-reduce-outdoor"]; s.State != followup.TaskAssigned {
		t.Fatalf("education task = %+v", s)
	}
	// Education acknowledges (叫应) at once.
	f.now = t0.Add(2 * time.Minute)
	if n, err := f.log.Acknowledge(ctx, 7, "education", "api", f.now); err != nil || n != 1 {
		t.Fatalf("ack = %d, %v", n, err)
	}
	if s := board(t, f)["education/r3-schools-reduce-outdoor"]; s.State != followup.TaskAcknowledged {
		t.Errorf("after ack: %s", s.State)
	}
	// 10 minutes: a reminder to everyone else, not to education.
	f.now = t0.Add(10 * time.Minute)
	if err := f.tracker.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if got := countWith(keys(t, f, "education"), "#r1"); got != 0 {
		t.Errorf("education reminded %d times after acknowledging", got)
	}
	orig := len(keys(t, f, "housing")) / 2 // MQTT and each channel
	if got := countWith(keys(t, f, "housing"), "#r1"); got != orig || orig != 3 {
		t.Errorf("housing: %d reminders, want %d (MQTT, webhook, email): %v", got, orig, keys(t, f, "housing"))
	}
	// Checking again at the same time sends nothing new.
	f.tracker.Check(ctx)
	if got := countWith(keys(t, f, "housing"), "#r"); got != orig {
		t.Errorf("housing: %d reminders after a second check", got)
	}
	// Housing acknowledges; at 30 minutes the silent units are escalated
	// to the command office, housing is not.
	f.log.Acknowledge(ctx, 0, "housing", "mqtt", t0.Add(20*time.Minute))
	f.now = t0.Add(30 * time.Minute)
	if err := f.tracker.Check(ctx); err != nil {
		t.Fatal(err)
	}
	office := keys(t, f, "ecology_branch")
	if countWith(office, "#escalate-housing") != 0 || countWith(office, "#escalate-finance") == 0 {
		t.Errorf("escalations to the office: %v", office)
	}
	es, _ := f.log.DeliveryEntries(ctx, sqlite.DeliveryFilter{Unit: "ecology_branch", Limit: 1000})
	for _, e := range es {
		if strings.Contains(e.Key, "#escalate-finance") && (e.Message.Overdue == nil || e.Message.Overdue.Unit != "finance") {
			t.Errorf("escalation message lacks the overdue unit: %+v", e.Message.Overdue)
		}
	}

	// Upgrade to orange: new tasks; education's acknowledgement of its Ⅲ
	// task stands; earlier notices are closed (no more reminders for them).
	t1 := t0.Add(24 * time.Hour)
	f.now = t1
	if err := f.pub.Publish(ctx, change("w7-t2", "upgrade", "yellow", "orange", t1)); err != nil {
		t.Fatal(err)
	}
	b = board(t, f)
	if b["education/r2-schools-stop-outdoor"].State != followup.TaskAssigned || b["education/r3-schools-reduce-outdoor"].State != followup.TaskAcknowledged {
		t.Errorf("after upgrade: %+v / %+v", b["education/r2-schools-stop-outdoor"], b["education/r3-schools-reduce-outdoor"])
	}
	open, _ := f.log.OpenNotices(ctx)
	for _, n := range open {
		if n.Transition != "w7-t2" {
			t.Errorf("notice of %s still open after the upgrade", n.Transition)
		}
	}
	if err := f.log.FinishTask(ctx, 7, "education", "r2-schools-stop-outdoor", "已通知全县中小学", t1.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Downgrade to yellow: the Ⅱ tasks are released — except a task reported done.
	t2 := t1.Add(24 * time.Hour)
	if err := f.pub.Publish(ctx, change("w7-t3", "downgrade", "orange", "yellow", t2)); err != nil {
		t.Fatal(err)
	}
	b = board(t, f)
	if s := b["public_security/r2-diesel-restrictions"]; s.State != followup.TaskReleased {
		t.Errorf("police Ⅱ task after downgrade: %s", s.State)
	}
	if s := b["education/r2-schools-stop-outdoor"]; s.State != followup.TaskDone || s.Note != "已通知全县中小学" {
		t.Errorf("done task after downgrade: %+v", s)
	}
	// Lift on Friday evening: every task closes; follow-ups are due at the
	// end of the next working day — Monday Dec 7 is a configured holiday,
	// so Tuesday — and the evaluation within 5 working days.
	t3 := time.Date(2026, 12, 4, 18, 0, 0, 0, cst)
	if err := f.pub.Publish(ctx, change("w7-t4", "lift", "yellow", "none", t3)); err != nil {
		t.Fatal(err)
	}
	b = board(t, f)
	if s := b["housing/r3-dust-sites"]; s.State != followup.TaskClosed {
		t.Errorf("housing task after lift: %s", s.State)
	}
	ft := b["housing/followup-dispatch-table"]
	if ft.State != followup.TaskAssigned || !ft.Due.Equal(time.Date(2026, 12, 9, 0, 0, 0, 0, cst)) {
		t.Errorf("dispatch table follow-up: %+v (due %s)", ft, ft.Due.In(cst))
	}
	if ev := b["ecology_branch/followup-evaluation"]; !ev.Due.Equal(time.Date(2026, 12, 15, 0, 0, 0, 0, cst)) {
		t.Errorf("evaluation due %s", ev.Due.In(cst))
	}
	if _, ok := b["city_command/followup-dispatch-table"]; ok {
		t.Error("the city command got a follow-up task")
	}
	// The lift needs no acknowledgement.
	if open, _ := f.log.OpenNotices(ctx); len(open) != 0 {
		t.Errorf("%d notices open after the lift", len(open))
	}
	// The CAP messages reference each other: the lift cancels all three.
	caps, _ := f.log.WarningCAPs(ctx, 7)
	if len(caps) != 4 || caps[3].MsgType != "Cancel" || strings.Count(caps[3].XML, caps[0].Identifier) != 1 {
		t.Errorf("caps = %d, last %s", len(caps), caps[len(caps)-1].MsgType)
	}
}

// TestHealthNotice: a health notice reaches the public and the units with
// health-notice tasks, without a CAP document.
func TestHealthNotice(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	f.now = time.Date(2026, 12, 1, 16, 0, 0, 0, cst)
	c := publish.Change{Key: "t9", Kind: "health_notice", Region: "jianghua", From: "none", To: "health_notice", At: f.now}
	ev, err := f.pub.Compose(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Message.CAP != "" || len(ev.Message.AdviceZH) == 0 || len(ev.Tasks["health"]) == 0 {
		t.Errorf("health notice event: %+v", ev.Message)
	}
	if err := f.pub.Publish(ctx, c); err != nil {
		t.Fatal(err)
	}
	if len(keys(t, f, "health")) == 0 || len(keys(t, f, "education")) != 0 {
		t.Errorf("health %v, education %v", keys(t, f, "health"), keys(t, f, "education"))
	}
}

// TestSameSecond: two regions published in the same second get distinct
// identifiers (the sequence digit), and a retry keeps its identifier.
func TestSameSecond(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	at := time.Date(2026, 12, 1, 16, 0, 0, 0, cst)
	f.now = at
	a := change("w1-t1", "issue", "none", "yellow", at)
	a.WarningID = 1
	b := change("w2-t2", "issue", "none", "yellow", at)
	b.WarningID, b.Region = 2, "tuojiang"
	for _, c := range []publish.Change{a, b, a} {
		if err := f.pub.Publish(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	c1, _ := f.log.WarningCAPs(ctx, 1)
	c2, _ := f.log.WarningCAPs(ctx, 2)
	if len(c1) != 1 || len(c2) != 1 || !strings.HasSuffix(c1[0].Identifier, "_0") || !strings.HasSuffix(c2[0].Identifier, "_1") {
		t.Errorf("identifiers %v %v", c1, c2)
	}
}

// TestPauseAndResume: a pause suspends every task of the level in force
// (a task reported done stays done) and tells each unit once, with both
// times, asking for acknowledgement; the resume assigns the checklist
// again. A lift announced for a later hour dates the plan-7 follow-ups
// from that hour, when the response really ends.
func TestPauseAndResume(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	t0 := time.Date(2026, 12, 1, 16, 0, 0, 0, cst)
	f.now = t0
	if err := f.pub.Publish(ctx, change("w7-t1", "issue", "none", "orange", t0)); err != nil {
		t.Fatal(err)
	}
	if err := f.log.FinishTask(ctx, 7, "education", "r2-schools-stop-outdoor", "已通知", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	f.log.Acknowledge(ctx, 7, "housing", "api", t0.Add(time.Minute))

	t1 := t0.Add(30 * time.Hour)
	restart := t1.Add(36 * time.Hour)
	f.now = t1
	p := change("w7-t2", "pause", "orange", "orange", t1)
	p.Start, p.RestartAt = t1.Add(2*time.Hour), restart
	if err := f.pub.Publish(ctx, p); err != nil {
		t.Fatal(err)
	}
	b := board(t, f)
	if s := b["housing/r3-dust-sites"]; s.State != followup.TaskSuspended {
		t.Errorf("housing task after the pause: %s, want suspended", s.State)
	}
	if s := b["public_security/r2-diesel-restrictions"]; s.State != followup.TaskSuspended {
		t.Errorf("police task after the pause: %s, want suspended", s.State)
	}
	if s := b["education/r2-schools-stop-outdoor"]; s.State != followup.TaskDone {
		t.Errorf("a done task after the pause: %s, want done", s.State)
	}
	es, _ := f.log.DeliveryEntries(ctx, sqlite.DeliveryFilter{Unit: "housing", Limit: 1000})
	var text string
	n := 0
	for _, e := range es {
		if e.Message.Transition == "w7-t2" && e.Channel.Kind == notify.ChannelMQTT {
			n++
			text = notify.Text(notify.Delivery{Key: e.Key, Recipient: e.Recipient, Channel: e.Channel, Message: e.Message}, false)
		}
	}
	if n != 1 {
		t.Fatalf("housing got %d pause notices on MQTT, want 1", n)
	}
	for _, want := range []string{"措施暂停，预计2026-12-04 10:00恢复（2026-12-03 00:00起暂停）", "以下任务暂停",
		"Measures paused from 2026-12-03 00:00, expected to resume 2026-12-04 10:00"} {
		if !strings.Contains(text, want) {
			t.Errorf("the pause notice lacks %q:\n%s", want, text)
		}
	}
	open, _ := f.log.OpenNotices(ctx)
	if len(open) == 0 || open[0].Transition != "w7-t2" {
		t.Errorf("the pause asks no acknowledgement: %+v", open)
	}

	t2 := restart
	f.now = t2
	if err := f.pub.Publish(ctx, change("w7-t3", "resume", "orange", "orange", t2)); err != nil {
		t.Fatal(err)
	}
	b = board(t, f)
	if s := b["housing/r3-dust-sites"]; s.State != followup.TaskAssigned {
		t.Errorf("housing task after the resume: %s, want assigned", s.State)
	}
	if s := b["education/r2-schools-stop-outdoor"]; s.State != followup.TaskDone {
		t.Errorf("a done task after the resume: %s", s.State)
	}

	// The lift is published on Tuesday Dec 8 at 22:00, effective
	// Wednesday 01:00: the dispatch table is due by the end of the next
	// working day after the response ends (Thursday, so Friday 00:00),
	// not after the publication (Wednesday, so Thursday 00:00).
	t3 := time.Date(2026, 12, 8, 22, 0, 0, 0, cst)
	l := change("w7-t4", "lift", "orange", "none", t3)
	l.Start = time.Date(2026, 12, 9, 1, 0, 0, 0, cst)
	f.now = t3
	if err := f.pub.Publish(ctx, l); err != nil {
		t.Fatal(err)
	}
	ft := board(t, f)["housing/followup-dispatch-table"]
	if want := time.Date(2026, 12, 11, 0, 0, 0, 0, cst); ft.State != followup.TaskAssigned || !ft.Due.Equal(want) {
		t.Errorf("dispatch table follow-up: %s due %s, want assigned due %s", ft.State, ft.Due.In(cst), want)
	}
}

// TestFollowUpsFromPlan: the plan-7 tasks and the name of "no warning" are
// the plan's (followups, none), not the code's: another plan's follow-ups
// go to whom it says, due when it says.
func TestFollowUpsFromPlan(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	f.plan.None = alert.NoWarning{NameZH: "预警解除", NameEN: "All clear"}
	f.plan.FollowUps = []alert.FollowUp{
		{ID: "followup-report", To: alert.FollowUpToOffice, DueWorkingDays: 2, TextZH: "报告", TextEN: "Report"},
		{ID: "followup-photos", To: alert.FollowUpToUnitsWithTasks, DueWorkingDays: 3, TextZH: "照片", TextEN: "Photos"},
	}
	t0 := time.Date(2026, 12, 1, 16, 0, 0, 0, cst) // a Tuesday
	f.now = t0
	if err := f.pub.Publish(ctx, change("w7-t1", "issue", "none", "yellow", t0)); err != nil {
		t.Fatal(err)
	}
	// Lift on Thursday Dec 3 at 18:00. The working days after it are Friday,
	// Tuesday (Monday Dec 7 is the fixture's holiday) and Wednesday: 2 days
	// are due Wednesday 00:00, 3 days Thursday 00:00.
	t1 := time.Date(2026, 12, 3, 18, 0, 0, 0, cst)
	l := change("w7-t2", "lift", "yellow", "none", t1)
	l.Start = t1
	ev, err := f.pub.Compose(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Message.LevelZH != "预警解除" || ev.Message.LevelEN != "All clear" {
		t.Errorf("lift names the level %q / %q, want the plan's none", ev.Message.LevelZH, ev.Message.LevelEN)
	}
	due := func(unit string) map[string]time.Time {
		out := map[string]time.Time{}
		for _, task := range ev.Tasks[unit] {
			if task.Kind != publish.TaskKindFollowup {
				t.Errorf("%s: task %s of kind %s", unit, task.ID, task.Kind)
			}
			out[task.ID] = task.Due
		}
		return out
	}
	if got := due("ecology_branch"); len(got) != 1 || !got["followup-report"].Equal(time.Date(2026, 12, 9, 0, 0, 0, 0, cst)) {
		t.Errorf("office follow-ups %v, want followup-report due 2026-12-09 00:00", got)
	}
	if got := due("housing"); len(got) != 1 || !got["followup-photos"].Equal(time.Date(2026, 12, 10, 0, 0, 0, 0, cst)) {
		t.Errorf("housing follow-ups %v, want followup-photos due 2026-12-10 00:00", got)
	}
	if got := due("city_command"); len(got) != 0 {
		t.Errorf("the city command got follow-ups %v", got)
	}
}

package compliancesvc_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/compliancesvc"
	"github.com/aqwarn/aqwarn/compliance/compliancetest"
	"github.com/aqwarn/aqwarn/compliance/inspect"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/reduction"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

func cst(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, aqi.CST) }

func ptr(t time.Time) *time.Time { return &t }

func tr(kind, from, to string, at time.Time) lifecycle.Transition {
	return lifecycle.Transition{Kind: kind, FromID: from, ToID: to, At: at, Start: at}
}

// The county's warnings become one piece per level in force.
func TestSegments(t *testing.T) {
	now := cst(time.March, 10, 0)
	for _, tc := range []struct {
		name string
		w    lifecycle.Warning
		want []compliance.Warning
	}{
		// Issued orange, lifted: one piece from the effective start to the lift.
		{"issue and lift", lifecycle.Warning{ID: 1, Region: "jianghua", LevelID: "orange", LiftEffective: ptr(cst(3, 4, 0)),
			Transitions: []lifecycle.Transition{tr(alert.KindIssue, "none", "orange", cst(3, 1, 0)), tr(alert.KindLift, "orange", "none", cst(3, 4, 0))}},
			[]compliance.Warning{{ID: "1", Level: "orange", EffectiveStart: cst(3, 1, 0), Lift: cst(3, 4, 0)}}},
		// An upgrade ends the orange piece and begins the red one; an
		// extension changes nothing.
		{"upgrade, extend", lifecycle.Warning{ID: 2, Region: "jianghua", LevelID: "red", Lifted: ptr(cst(3, 6, 0)),
			Transitions: []lifecycle.Transition{tr(alert.KindIssue, "none", "orange", cst(3, 1, 0)), tr(alert.KindUpgrade, "orange", "red", cst(3, 2, 0)),
				tr(alert.KindExtend, "red", "red", cst(3, 3, 0))}},
			[]compliance.Warning{{ID: "2", Level: "orange", EffectiveStart: cst(3, 1, 0), Lift: cst(3, 2, 0)},
				{ID: "2", Level: "red", EffectiveStart: cst(3, 2, 0), Lift: cst(3, 6, 0)}}},
		// A pause suspends the measures; the resume takes the level again.
		{"pause, resume", lifecycle.Warning{ID: 3, Region: "jianghua", LevelID: "yellow", LiftEffective: ptr(cst(3, 5, 0)),
			Transitions: []lifecycle.Transition{tr(alert.KindIssue, "none", "yellow", cst(3, 1, 0)), tr(alert.KindPause, "yellow", "yellow", cst(3, 2, 0)),
				tr(alert.KindResume, "yellow", "yellow", cst(3, 3, 0))}},
			[]compliance.Warning{{ID: "3", Level: "yellow", EffectiveStart: cst(3, 1, 0), Lift: cst(3, 2, 0)},
				{ID: "3", Level: "yellow", EffectiveStart: cst(3, 3, 0), Lift: cst(3, 5, 0)}}},
		// In force: no lift yet.
		{"in force", lifecycle.Warning{ID: 4, Region: "jianghua", LevelID: "orange",
			Transitions: []lifecycle.Transition{tr(alert.KindIssue, "none", "orange", cst(3, 9, 0))}},
			[]compliance.Warning{{ID: "4", Level: "orange", EffectiveStart: cst(3, 9, 0)}}},
		// Issued for later: nothing yet.
		{"not yet in force", lifecycle.Warning{ID: 5, Region: "jianghua", LevelID: "orange",
			Transitions: []lifecycle.Transition{tr(alert.KindIssue, "none", "orange", cst(3, 11, 0))}}, nil},
		// A town's warning is not the list's.
		{"other region", lifecycle.Warning{ID: 6, Region: "tuojiang", LevelID: "orange",
			Transitions: []lifecycle.Transition{tr(alert.KindIssue, "none", "orange", cst(3, 1, 0))}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := compliancesvc.Segments([]lifecycle.Warning{tc.w}, "jianghua", now)
			if !slices.EqualFunc(got, tc.want, func(a, b compliance.Warning) bool {
				return a.ID == b.ID && a.Level == b.Level && a.EffectiveStart.Equal(b.EffectiveStart) && a.Lift.Equal(b.Lift)
			}) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// history is the lifecycle store's warning history as the engine sees it.
type history []lifecycle.Warning

func (h history) WarningsBetween(_ context.Context, from, to time.Time) ([]lifecycle.Warning, error) {
	var out []lifecycle.Warning
	for _, w := range h {
		if w.Overlaps(from, to) {
			out = append(out, w)
		}
	}
	return out, nil
}

// The engine in the service finds, over readings stored in real SQLite
// and the warnings of the lifecycle's history, what the pure engine finds
// over the same data in memory (the generated scenario of package
// compliancetest): the store round trip, the warnings' pieces and the
// earlier warning's day left out of the baselines lose nothing.
func TestEngineOverTheStore(t *testing.T) {
	ctx := context.Background()
	plan, err := alert.LoadPlan("../../configs/plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../testdata/scenario-list.yaml")
	if err != nil {
		t.Fatal(err)
	}
	list, err := configs.ParseListFor(plan, b)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := compliancetest.Generate(list, 1)
	if err != nil {
		t.Fatal(err)
	}
	params, err := compliancetest.DefaultParams()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// The scenario's readings into the store, as ingest writes them.
	in := sc.Input
	var batch []aqwarn.PowerReading
	for _, meter := range in.Readings.Meters() {
		ent := compliancetest.EnterpriseOf(list, meter)
		for i, v := range in.Readings.Column(meter) {
			if v != v {
				continue // a gap stays a gap
			}
			batch = append(batch, aqwarn.PowerReading{Enterprise: ent, Meter: meter, Time: in.Readings.End(i), KWh: float64(v)})
			if len(batch) == 5000 {
				if err := db.WritePower(ctx, batch); err != nil {
					t.Fatal(err)
				}
				batch = batch[:0]
			}
		}
	}
	if err := db.WritePower(ctx, batch); err != nil {
		t.Fatal(err)
	}
	var ems []aqwarn.EmissionReading
	for _, s := range in.Emissions {
		for _, p := range s.Points {
			kg := p.Value // hourly rates: the amount of an hour
			ems = append(ems, aqwarn.EmissionReading{Enterprise: enterpriseOfMN(list, s.MN), MN: s.MN, Time: p.End, Interval: time.Hour,
				Values: []aqwarn.EmissionValue{{Pollutant: s.Pollutant, Cou: &kg}}})
		}
	}
	if err := db.WriteEmissions(ctx, ems); err != nil {
		t.Fatal(err)
	}

	// The warnings as the lifecycle keeps them: the scenario's orange one
	// and a one-day yellow on its earlier warning day.
	w := in.Warnings[0]
	early := in.Calendar.WarningDays[0].Start()
	hist := history{
		{ID: 7, Region: list.County, LevelID: "yellow", LiftEffective: ptr(early.Add(24 * time.Hour)),
			Transitions: []lifecycle.Transition{tr(alert.KindIssue, "none", "yellow", early), tr(alert.KindLift, "yellow", "none", early.Add(24*time.Hour))}},
		{ID: 8, Region: list.County, LevelID: w.Level, LiftEffective: ptr(w.Lift),
			Transitions: []lifecycle.Transition{tr(alert.KindIssue, "none", w.Level, w.EffectiveStart), tr(alert.KindLift, w.Level, "none", w.Lift)}},
	}
	// The scenario's restart approval, as duty staff record it.
	for _, a := range in.Approvals {
		if _, err := db.AddApproval(ctx, inspect.RestartApproval{Approval: a, By: "wang", Recorded: a.From}, lifecycle.AuditEntry{At: a.From, Actor: "wang", Action: "restart_approval"}); err != nil {
			t.Fatal(err)
		}
	}
	cal := in.Calendar
	cal.WarningDays = nil // they must come from the history
	e := &compliancesvc.Engine{Params: params, List: list, Warnings: hist, Readings: db, Approvals: db, Calendar: cal}
	got, err := e.Events(ctx, in.Now)
	if err != nil {
		t.Fatal(err)
	}

	// The pure engine on the same data.
	ref := in
	ref.Warnings = []compliance.Warning{{ID: "8", Level: w.Level, EffectiveStart: w.EffectiveStart, Lift: w.Lift}}
	want := params.Evaluate(ref).Events
	if len(want) < 10 {
		t.Fatalf("the reference found only %d events: the scenario is not exercised", len(want))
	}
	gj, _ := json.MarshalIndent(got, "", " ")
	wj, _ := json.MarshalIndent(want, "", " ")
	if string(gj) != string(wj) {
		t.Errorf("the service's engine found %d events, the pure engine %d; first difference:\n%s", len(got), len(want), firstDiff(string(gj), string(wj)))
	}
	// And what the scenario scripts: three nights of production at the
	// night producer, each an R3.
	var r3 int
	for _, ev := range got {
		if ev.Rule == compliance.RuleNightProduction {
			r3++
		}
	}
	if r3 < 3 {
		t.Errorf("%d R3 findings, want the scripted nights", r3)
	}
	// The approved restart is no finding; without the approval it is one.
	approved := func(evs []compliance.Event) bool {
		return slices.ContainsFunc(evs, func(ev compliance.Event) bool { return ev.Enterprise == in.Approvals[0].Enterprise })
	}
	noApprovals := ref
	noApprovals.Approvals = nil
	if approved(got) || !approved(params.Evaluate(noApprovals).Events) {
		t.Errorf("the approved restart of %s: found %v with its approval, want none (and one without)", in.Approvals[0].Enterprise, approved(got))
	}

	// The report's power drops over the store are the pure engine's.
	drops, err := e.Drops(ctx, w.EffectiveStart, in.Now)
	if err != nil {
		t.Fatal(err)
	}
	dj, _ := json.Marshal(drops)
	rj, _ := json.Marshal(params.PowerDrops(ref))
	if len(drops) < 5 || string(dj) != string(rj) {
		t.Errorf("power drops over the store (%d):\n%s\nwant the pure engine's:\n%s", len(drops), dj, rj)
	}

	// With a lag the engine looks that far behind now: readings still on
	// their way are not a gap.
	e.Lag = in.Now.Sub(w.EffectiveStart.Add(36 * time.Hour)) // halfway through the warning
	lagged, err := e.Events(ctx, in.Now)
	if err != nil {
		t.Fatal(err)
	}
	ref.Now = in.Now.Add(-e.Lag)
	lj, _ := json.Marshal(lagged)
	wj, _ = json.Marshal(params.Evaluate(ref).Events)
	if string(lj) != string(wj) || len(lagged) >= len(got) {
		t.Errorf("with a lag of %s: %d events (%d without), not those of the pure engine at now − lag", e.Lag, len(lagged), len(got))
	}
}

func enterpriseOfMN(l *reduction.List, mn string) string {
	for _, e := range l.Enterprises {
		if slices.Contains(e.Monitoring.HJ212MN, mn) {
			return e.ID
		}
	}
	return ""
}

func firstDiff(a, b string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			lo := max(0, i-200)
			return "got:  …" + a[lo:min(len(a), i+200)] + "\nwant: …" + b[lo:min(len(b), i+200)]
		}
	}
	return "one is a prefix of the other"
}

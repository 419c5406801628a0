package compliance_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/reduction"
)

// The rule tests run one firm with a flat load (production 100 kWh and
// treatment 15 kWh an interval, no noise) over 40 days; a warning starts
// on day 35 at 08:00 and lifts 24 h later; the data ends on day 40.
var (
	ruleFirst = time.Date(2026, time.January, 1, 0, 15, 0, 0, aqi.CST)
	ruleStart = time.Date(2026, time.February, 5, 8, 0, 0, 0, aqi.CST) // day 35
	ruleDays  = 40
)

const (
	nomProd  = 100.0
	nomTreat = 15.0
)

// firm is a listed firm with a line (meter p1) and its bag filter (t1),
// or with a main meter only (m1) when grid is true.
func ruleFirm(grid bool, verify []string, measures ...reduction.Measure) reduction.Enterprise {
	e := reduction.Enterprise{ID: "f", NameZH: "测试厂", SourceType: reduction.SourceIndustrial, GuideIndustry: "other",
		Grade: reduction.GradeD, Status: reduction.StatusProducing}
	if grid {
		e.Monitoring.Meters = []string{"m1"}
	} else {
		e.Monitoring.Meters = []string{"p1", "t1"}
		e.Units = []reduction.Unit{
			{ID: "line1", Kind: reduction.UnitProduction, NameZH: "生产线", LinkedTreatment: []string{"bag1"}, Meters: []string{"p1"},
				Capacity: reduction.Capacity{Design: 100, Unit: "t/d"}},
			{ID: "bag1", Kind: reduction.UnitTreatment, NameZH: "除尘器", Meters: []string{"t1"}},
		}
	}
	e.EmissionsBase.NOx = 10
	for i := range measures {
		measures[i].VerifyBy = verify
		if !grid && measures[i].Action != reduction.ActionSelfDetermined {
			measures[i].TargetUnits = []string{"line1"}
		}
	}
	e.Measures = measures
	return e
}

func stopAt(level string) reduction.Measure {
	return reduction.Measure{Level: level, Action: reduction.ActionStopUnit, TextZH: "停产"}
}

func limitAt(level string, pct float64) reduction.Measure {
	return reduction.Measure{Level: level, Action: reduction.ActionLimitPct, Value: pct, TextZH: "限产"}
}

// stopFirm is told to stop from orange, to cut 30 % at yellow.
func stopFirm() reduction.Enterprise {
	return ruleFirm(false, []string{"power"}, limitAt("yellow", 30), stopAt("orange"), stopAt("red"))
}

// h is hours after the warning's start.
func h(hours float64) time.Time { return ruleStart.Add(time.Duration(hours * float64(time.Hour))) }

// profile gives a meter's factor (of its nominal load) at an interval's
// start, NaN for no reading; nil is 1 everywhere.
type profile func(start time.Time) float64

// between returns a profile that is f in [from, to) hours and 1 elsewhere.
func between(from, to, f float64) profile {
	return func(t time.Time) float64 {
		if !t.Before(h(from)) && t.Before(h(to)) {
			return f
		}
		return 1
	}
}

// then combines profiles: the first that is not 1 wins.
func then(ps ...profile) profile {
	return func(t time.Time) float64 {
		for _, p := range ps {
			if v := p(t); v != 1 {
				return v
			}
		}
		return 1
	}
}

func ruleInput(t *testing.T, e reduction.Enterprise, prod, treat profile) compliance.Input {
	t.Helper()
	n := ruleDays * 96
	r, err := compliance.NewReadings(ruleFirst, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range e.Monitoring.Meters {
		col := make([]float32, n)
		for i := range col {
			start := ruleFirst.Add(time.Duration(i-1) * compliance.Interval)
			f, nom := 1.0, nomProd
			switch {
			case m == "t1":
				nom = nomTreat
				if treat != nil {
					f = treat(start)
				} else if prod != nil {
					// Treatment follows production, one interval longer.
					f = max(prod(start), prod(start.Add(-compliance.Interval)))
				}
			case prod != nil:
				f = prod(start)
			}
			col[i] = float32(nom * f)
		}
		if err := r.SetColumn(m, col); err != nil {
			t.Fatal(err)
		}
	}
	return compliance.Input{
		List:     &reduction.List{ID: "t", Enterprises: []reduction.Enterprise{e}},
		Warnings: []compliance.Warning{{ID: "w", Level: reduction.LevelOrange, Primary: "pm25", EffectiveStart: ruleStart, Lift: h(24)}},
		Readings: r,
		Now:      ruleFirst.Add(time.Duration(n-1) * compliance.Interval),
	}
}

// found is an event as "RULE from–to" in hours after the warning start.
func found(evs []compliance.Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, fmt.Sprintf("%s %s–%s", e.Rule[:2], hours(e.Start), hours(e.End)))
	}
	slices.Sort(out)
	return out
}

func hours(t time.Time) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", t.Sub(ruleStart).Hours()), "0"), ".")
}

func TestRules(t *testing.T) {
	const stopped = 0.05
	night := func(f float64) profile { return between(14, 22, f) } // 22:00–06:00
	for _, tc := range []struct {
		name        string
		firm        reduction.Enterprise
		prod, treat profile
		mutate      func(*compliance.Input)
		want        []string
	}{
		// A firm that stops within the grace, to 5 %, and stays stopped.
		{name: "stop kept", firm: stopFirm(), prod: between(1, 24, stopped), want: []string{}},
		// A firm that does not stop at all: R1 from the end of the grace to
		// the lift, R3 for the night.
		{name: "never stopped", firm: stopFirm(), want: []string{"R1 2–24", "R3 14–22"}},
		// Running on into the grace is allowed.
		{name: "stops at the end of the grace", firm: stopFirm(), prod: between(2, 24, stopped), want: []string{}},
		// Above the limit for 1 h 45 only: under R1's 2 h.
		{name: "short run", firm: stopFirm(), prod: then(between(4, 5.75, 0.9), between(1, 24, stopped)), want: []string{}},
		// Exactly 2 h above the limit.
		{name: "two hours", firm: stopFirm(), prod: then(between(4, 6, 0.9), between(1, 24, stopped)), want: []string{"R1 4–6"}},
		// Two runs split by one interval below the limit are one event.
		{name: "bridged", firm: stopFirm(), prod: then(between(4, 5.5, 0.9), between(5.5, 5.75, 0.1), between(5.75, 7, 0.9), between(1, 24, stopped)),
			want: []string{"R1 4–7"}},
		// 20 % of the baseline is under the 25 % limit.
		{name: "under the share", firm: stopFirm(), prod: between(1, 24, 0.2), want: []string{}},
		// The standby draw counts: 30 kWh an interval (120 kW) is under a
		// unit's own standby of 150 kW though above 25 % of the baseline.
		{name: "standby floor", firm: stopFirm(), prod: between(1, 24, 0.3), mutate: func(in *compliance.Input) {}, want: []string{"R1 2–24", "R3 14–22"}},
		// Stopped, then running again until the lift: a restart (R6), not
		// R1; it runs through the night, which R3 says as well.
		{name: "restart", firm: stopFirm(), prod: between(1, 12, stopped), want: []string{"R3 14–22", "R6 12–24"}},
		// The same with an approval from the restart: nothing.
		{name: "approved restart", firm: stopFirm(), prod: between(1, 12, stopped), mutate: func(in *compliance.Input) {
			in.Approvals = []compliance.Approval{{Enterprise: "f", Unit: "line1", From: h(12)}}
		}, want: []string{}},
		// An approval for another unit does not cover it.
		{name: "approval for another unit", firm: stopFirm(), prod: between(1, 12, stopped), mutate: func(in *compliance.Input) {
			in.Approvals = []compliance.Approval{{Enterprise: "f", Unit: "line2", From: h(12)}}
		}, want: []string{"R3 14–22", "R6 12–24"}},
		// Still running at now, before the lift: R1 (a restart is only known
		// once the lift comes).
		{name: "restart not yet lifted", firm: stopFirm(), prod: between(1, 12, stopped), mutate: func(in *compliance.Input) {
			in.Now = h(20)
		}, want: []string{"R1 12–20", "R3 14–20"}},
		// Night production in a stop: R1 and R3 for the night.
		{name: "night", firm: stopFirm(), prod: then(night(0.9), between(1, 24, stopped)), want: []string{"R1 14–22", "R3 14–22"}},
		// A limit of 50 % kept at −55 %.
		{name: "limit kept", firm: ruleFirm(false, nil, limitAt("yellow", 30), limitAt("orange", 50), stopAt("red")), prod: between(1, 24, 0.45), want: []string{}},
		// A limit of 50 % achieved as −20 %.
		{name: "limit not met", firm: ruleFirm(false, nil, limitAt("yellow", 30), limitAt("orange", 50), stopAt("red")), prod: between(1, 24, 0.8), want: []string{"R2 2–24"}},
		// Half the unit's power is fixed: −25 % power is a 50 % cut of output.
		{name: "fixed load share", firm: ruleFirm(false, nil, limitAt("yellow", 30), limitAt("orange", 50), stopAt("red")), prod: between(1, 24, 0.75),
			mutate: func(in *compliance.Input) {}, want: []string{"R2 2–24"}},
		// A limit checked by CEMS only: no power rule, no meter required.
		{name: "not checked by power", firm: ruleFirm(false, []string{"cems"}, limitAt("yellow", 30), limitAt("orange", 50), stopAt("red")), prod: between(1, 24, 0.8), want: []string{}},
		// An O3-driven warning pushes no list measure.
		{name: "O3 warning", firm: stopFirm(), mutate: func(in *compliance.Input) { in.Warnings[0].Primary = "o3_8h" }, want: []string{}},
		// Treatment off while producing hours before the response, and no
		// From: only the responses are checked.
		{name: "treatment off before", firm: stopFirm(), prod: between(1, 24, stopped), treat: then(between(-6, -5.5, 0.02), between(1, 24, stopped)),
			want: []string{}},
		// A warning-free firm: treatment off 30 min during the response while producing.
		{name: "treatment off in response", firm: ruleFirm(false, nil, reduction.Measure{Level: "yellow", Action: reduction.ActionSelfDetermined, TextZH: "自主"}),
			treat: between(6, 6.5, 0.02), want: []string{"R4 6–6.5"}},
		// 15 min off is under R4's 2 intervals.
		{name: "treatment off 15 min", firm: ruleFirm(false, nil), treat: between(6, 6.25, 0.02), want: []string{}},
		// Production and treatment both off: no R4.
		{name: "both off", firm: ruleFirm(false, nil), prod: between(6, 10, 0.02), treat: between(6, 10, 0.02), want: []string{}},
		// Treatment stopping 15 min before production is allowed.
		{name: "treatment 15 min early", firm: stopFirm(), prod: between(1, 24, stopped), treat: between(0.75, 24, 0.02), want: []string{}},
		// Treatment stopping 45 min before production: R5 (not R4).
		{name: "treatment 45 min early", firm: stopFirm(), prod: between(1, 24, stopped), treat: between(0.25, 24, 0.02), want: []string{"R5 0.25–1"}},
		// Treatment off for 7 h while producing, until the shift ends:
		// treatment off (R4), not an early stop — it is longer than
		// max_early (2 h).
		{name: "treatment off until the shift ends", firm: ruleFirm(false, nil), prod: between(10, 24, 0.02), treat: between(3, 24, 0.02), want: []string{"R4 3–10"}},
		// A shutdown just before the warning counts (look_before).
		{name: "early stop before the warning", firm: stopFirm(), prod: between(-1, 24, stopped), treat: between(-1.5, 24, 0.02), want: []string{"R5 -1.5–-1"}},
		// A gap of 1 h 45 is under R7's 2 h.
		{name: "short gap", firm: stopFirm(), prod: then(between(5, 6.75, math.NaN()), between(1, 24, stopped)), treat: between(1, 24, stopped), want: []string{}},
		// A gap of 2 h: R7 only.
		{name: "gap", firm: stopFirm(), prod: then(between(5, 7, math.NaN()), between(1, 24, stopped)), treat: between(1, 24, stopped), want: []string{"R7 5–7"}},
		// Data that ends before now is a gap too.
		{name: "data ends", firm: stopFirm(), prod: then(between(10, 1000, math.NaN()), between(1, 24, stopped)), treat: between(1, 24, stopped), want: []string{"R7 10–24"}},
		// A firm with a main meter only that produces at night but has no
		// history: the night/day ratio still finds it.
		{name: "grid-only ratio without baseline", firm: ruleFirm(true, nil, limitAt("yellow", 30), stopAt("orange"), stopAt("red")),
			prod: then(between(-1000, -0.25, math.NaN()), night(0.9), between(1, 24, stopped)), want: []string{"R3 14–22"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ruleInput(t, tc.firm, tc.prod, tc.treat)
			p := params(t)
			switch tc.name {
			case "standby floor":
				// First without the floor (above), then with it: nothing.
				res := p.Evaluate(in)
				if got := found(res.Events); !slices.Equal(got, tc.want) {
					t.Fatalf("without the floor %v, want %v", got, tc.want)
				}
				kw := 150.0
				p.Units = []compliance.UnitParams{{Enterprise: "f", Unit: "line1", StandbyKW: &kw, Source: "test"}}
				tc.want = []string{}
			case "fixed load share":
				res := p.Evaluate(in)
				if got := found(res.Events); !slices.Equal(got, tc.want) {
					t.Fatalf("without a fixed share %v, want %v", got, tc.want)
				}
				share := 0.5
				p.Units = []compliance.UnitParams{{Enterprise: "f", Unit: "line1", FixedLoadShare: &share, Source: "test"}}
				tc.want = []string{}
			}
			if tc.mutate != nil {
				tc.mutate(&in)
			}
			if got := found(p.Evaluate(in).Events); !slices.Equal(got, tc.want) {
				t.Errorf("events %v, want %v", got, tc.want)
			}
		})
	}
}

// TestEmissionRule is R8: a firm under a limit whose online NOx rises
// above its pre-warning mean, and one told to stop still emitting.
func TestEmissionRule(t *testing.T) {
	series := func(before, during float64) []compliance.EmissionSeries {
		s := compliance.EmissionSeries{MN: "mn1", Pollutant: "NOx", Unit: "kg/h"}
		for tt := h(-48); !tt.After(h(30)); tt = tt.Add(time.Hour) {
			v := before
			if tt.After(h(1)) && !tt.After(h(24)) {
				v = during
			}
			s.Points = append(s.Points, compliance.EmissionPoint{End: tt, Value: v})
		}
		return []compliance.EmissionSeries{s}
	}
	withMN := func(e reduction.Enterprise) reduction.Enterprise {
		e.Monitoring.HJ212MN = []string{"mn1"}
		return e
	}
	limited := withMN(ruleFirm(false, nil, limitAt("yellow", 20), limitAt("orange", 30), stopAt("red")))
	for _, tc := range []struct {
		name           string
		firm           reduction.Enterprise
		before, during float64
		prod           profile
		want           []string
	}{
		// Limited and emitting less: nothing.
		{"limited, down", limited, 10, 7, between(1, 24, 0.65), []string{}},
		// Limited, emitting 5 % more: within the tolerance.
		{"limited, within tolerance", limited, 10, 10.5, between(1, 24, 0.65), []string{}},
		// Limited, emitting 20 % more: R8.
		{"limited, up", limited, 10, 12, between(1, 24, 0.65), []string{"R8 2–24"}},
		// Told to stop and stopped by power, yet still emitting 20 % of
		// before: R8.
		{"stopped, emitting", withMN(stopFirm()), 10, 2, between(1, 24, 0.05), []string{"R8 2–24"}},
		// Told to stop, emitting 5 %: nothing.
		{"stopped, residual", withMN(stopFirm()), 10, 0.5, between(1, 24, 0.05), []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ruleInput(t, tc.firm, tc.prod, nil)
			in.Emissions = series(tc.before, tc.during)
			if got := found(params(t).Evaluate(in).Events); !slices.Equal(got, tc.want) {
				t.Errorf("events %v, want %v", got, tc.want)
			}
		})
	}
}

// TestTreatmentOffOutsideResponses: with From set, R4 is checked outside
// the responses too, as a warning rather than critical.
func TestTreatmentOffOutsideResponses(t *testing.T) {
	in := ruleInput(t, ruleFirm(false, nil), nil, between(-30, -29, 0.02))
	res := params(t).Evaluate(in)
	if len(res.Events) != 0 {
		t.Fatalf("without From: %v", found(res.Events))
	}
	in.From = h(-72)
	res = params(t).Evaluate(in)
	if got := found(res.Events); !slices.Equal(got, []string{"R4 -30–-29"}) {
		t.Fatalf("with From: %v", got)
	}
	if e := res.Events[0]; e.Severity != compliance.SeverityWarning || e.Level != "" {
		t.Errorf("severity %s level %q, want warning and no level", e.Severity, e.Level)
	}
}

// TestReadings: the grid refuses what is not on it, and two values for
// one interval.
func TestReadings(t *testing.T) {
	if _, err := compliance.NewReadings(ruleFirst.Add(time.Minute), 4); err == nil {
		t.Error("a first end off the quarter hour was accepted")
	}
	r, _ := compliance.NewReadings(ruleFirst, 4)
	if err := r.Set("m", ruleFirst.Add(7*time.Minute), 1); err == nil {
		t.Error("a time off the quarter hour was accepted")
	}
	if err := r.Set("m", ruleFirst.Add(4*compliance.Interval), 1); err == nil {
		t.Error("a time past the grid was accepted")
	}
	_, err := compliance.ReadingsFromPoints(map[string][]compliance.Point{"m": {{End: ruleFirst, KWh: 1}, {End: ruleFirst, KWh: 2}}})
	if err == nil {
		t.Error("two values for one interval were accepted")
	}
	r, err = compliance.ReadingsFromPoints(map[string][]compliance.Point{"a": {{End: ruleFirst, KWh: 1}}, "b": {{End: ruleFirst.Add(time.Hour), KWh: 2}}})
	if err != nil || r.Len != 5 || r.Points() != 2 || !slices.Equal(r.Meters(), []string{"a", "b"}) {
		t.Errorf("grid %+v, %v", r, err)
	}
}

// TestSharedTreatment: a filter serving two lines is one finding, not one
// per line; it is off while one line runs (R4), or it stops before the
// last line does (R5).
func TestSharedTreatment(t *testing.T) {
	e := ruleFirm(false, nil)
	e.Monitoring.Meters = []string{"p1", "p2", "t1"}
	e.Units = append(e.Units, reduction.Unit{ID: "line2", Kind: reduction.UnitProduction, NameZH: "二线", LinkedTreatment: []string{"bag1"}, Meters: []string{"p2"}})
	for _, tc := range []struct {
		name       string
		p1, p2, tr profile
		want       []string
	}{
		// Filter off for an hour while both lines run: one R4.
		{"both run", nil, nil, between(6, 7, 0.02), []string{"R4 6–7"}},
		// Line 1 stopped, line 2 runs, filter off: still R4.
		{"one runs", between(5, 24, 0.02), nil, then(between(6, 7, 0.02), between(5, 24, 0.6)), []string{"R4 6–7"}},
		// Line 1 stops at 5, line 2 at 7, the filter at 6.5: it stopped
		// 30 min before the last line: R5.
		{"stops before the last line", between(5, 24, 0.02), between(7, 24, 0.02), between(6.5, 24, 0.02), []string{"R5 6.5–7"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ruleInput(t, e, tc.p1, tc.tr)
			p2 := tc.p2
			if p2 == nil {
				p2 = func(time.Time) float64 { return 1 }
			}
			col := make([]float32, in.Readings.Len)
			for i := range col {
				col[i] = float32(nomProd * p2(ruleFirst.Add(time.Duration(i-1)*compliance.Interval)))
			}
			if err := in.Readings.SetColumn("p2", col); err != nil {
				t.Fatal(err)
			}
			if got := found(params(t).Evaluate(in).Events); !slices.Equal(got, tc.want) {
				t.Errorf("events %v, want %v", got, tc.want)
			}
		})
	}
}

// A plant on a six-day week (Sundays at half load) limited to 70 % on a
// Saturday and keeping to it: compared with Saturdays it is compliant;
// compared with a weekend pooled with its half-load Sundays (day_types
// weekday_weekend) the same day looks like a missed limit — the false R2
// the six-day default avoids.
func TestSixDayWeek(t *testing.T) {
	sat := time.Date(2026, time.February, 7, 0, 0, 0, 0, aqi.CST)
	warned := func(t time.Time) bool { return !t.Before(sat) && t.Before(sat.Add(24*time.Hour)) }
	prod := func(t time.Time) float64 {
		f := 1.0
		if t.In(aqi.CST).Weekday() == time.Sunday {
			f = 0.5
		}
		if warned(t) {
			f *= 0.7
		}
		return f
	}
	in := ruleInput(t, ruleFirm(false, []string{"power"}, limitAt("orange", 30)), prod, nil)
	in.Warnings = []compliance.Warning{{ID: "w", Level: reduction.LevelOrange, Primary: "pm25", EffectiveStart: sat, Lift: sat.Add(24 * time.Hour)}}
	for _, tc := range []struct {
		dayTypes string
		want     []string
	}{
		// Saturdays against Saturdays: nothing.
		{compliance.DayTypesWeekdaySaturdaySunday, []string{}},
		// Saturdays against Saturdays and Sundays: a limit not met.
		{compliance.DayTypesWeekdayWeekend, []string{"R2"}},
	} {
		p := *params(t)
		p.Baseline.DayTypes = tc.dayTypes
		var got []string
		for _, e := range p.Evaluate(in).Events {
			got = append(got, string(e.Rule[:2]))
		}
		if !slices.Equal(append([]string{}, got...), tc.want) {
			t.Errorf("%s: %v, want %v", tc.dayTypes, got, tc.want)
		}
	}
}

// A line with two meters that stops as told on a Sunday: its baseline is
// the sum of both meters' for every day type (a Sunday's too), so the
// stop is compliant — a Sunday baseline left at zero would make any
// standby draw a stop not executed.
func TestTwoMetersOnASunday(t *testing.T) {
	sun := time.Date(2026, time.February, 8, 0, 0, 0, 0, aqi.CST)
	if sun.Weekday() != time.Sunday {
		t.Fatal("not a Sunday")
	}
	e := reduction.Enterprise{ID: "f", NameZH: "测试厂", SourceType: reduction.SourceIndustrial, GuideIndustry: "other",
		Grade: reduction.GradeD, Status: reduction.StatusProducing}
	e.Monitoring.Meters = []string{"p1", "p2"}
	e.Units = []reduction.Unit{{ID: "line1", Kind: reduction.UnitProduction, NameZH: "生产线", Meters: []string{"p1", "p2"},
		Capacity: reduction.Capacity{Design: 100, Unit: "t/d"}}}
	m := stopAt("orange")
	m.VerifyBy, m.TargetUnits = []string{"power"}, []string{"line1"}
	e.Measures = []reduction.Measure{m}
	prod := func(t time.Time) float64 {
		if !t.Before(sun.Add(2*time.Hour)) && t.Before(sun.Add(24*time.Hour)) {
			return 0.02 // stopped, a little standby
		}
		return 1
	}
	in := ruleInput(t, e, prod, nil)
	in.Warnings = []compliance.Warning{{ID: "w", Level: reduction.LevelOrange, Primary: "pm25", EffectiveStart: sun, Lift: sun.Add(24 * time.Hour)}}
	for _, dt := range []string{compliance.DayTypesWeekdaySaturdaySunday, compliance.DayTypesWeekdayWeekend, compliance.DayTypesAll} {
		p := *params(t)
		p.Baseline.DayTypes = dt
		if evs := p.Evaluate(in).Events; len(evs) != 0 {
			t.Errorf("%s: %s, want none", dt, found(evs))
		}
	}
}

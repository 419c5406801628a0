// Package compliancetest generates the compliance engine's scenario data
// (notes §7 acceptance 4): 60 days of 15-minute kWh per meter of the
// synthetic list compliance/testdata/scenario-list.yaml, with a weekday
// and weekend shape, ±5 % noise, a 7-day Spring Festival dip and a
// recorded-warning day inside the baseline window, then a 72 h orange
// warning during which each firm does what its script says. It is
// deterministic for a seed.
//
// It is a test helper, like net/http/httptest: the engine's tests, the
// command's golden test and cmd gen (which writes the files for a try of
// `aqwarn compliance` by hand) use it.
package compliancetest

import (
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/reduction"
)

// The scenario's calendar (China time).
var (
	// First is the end of the first interval; Days days follow.
	First = time.Date(2026, time.January, 1, 0, 15, 0, 0, aqi.CST)
	Days  = 60
	// Holidays are the Spring Festival dip, inside the baseline window.
	HolidayFrom = date(2026, time.February, 15)
	HolidayTo   = date(2026, time.February, 21)
	// EarlierWarning is a day of an earlier (yellow) warning: firms ran at
	// 70 %; the calendar says so and the baseline leaves it out.
	EarlierWarning = date(2026, time.February, 5)
	// MaintFrom and MaintTo are sc-maint's recorded stop.
	MaintFrom = date(2026, time.February, 3)
	MaintTo   = date(2026, time.February, 4)
	// WarningStart and Lift are the 72 h orange warning.
	WarningStart = time.Date(2026, time.February, 25, 18, 0, 0, 0, aqi.CST)
	Lift         = WarningStart.Add(72 * time.Hour)
	// Now is the end of the data.
	Now = First.Add(time.Duration(Days*96-1) * compliance.Interval)
)

func date(y int, m time.Month, d int) reduction.Date {
	v, err := reduction.ParseDate(time.Date(y, m, d, 0, 0, 0, 0, aqi.CST).Format(time.DateOnly))
	if err != nil {
		panic(err)
	}
	return v
}

// at is a time on a day of the scenario.
func at(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, aqi.CST) }

// Scenario is the generated input with what the engine should find.
type Scenario struct {
	Input compliance.Input
	// Expected are the events the scripts call for, by firm; a firm not
	// in it is compliant (no event).
	Expected map[string][]Expected
}

// Expected is an event the scripts call for: its rule and, to within one
// interval, its start and end.
type Expected struct {
	Rule       compliance.Rule
	Start, End time.Time
}

// Scripted firm ids (compliance/testdata/scenario-list.yaml).
const (
	stopAt = time.Hour // compliant firms stop (or cut) an hour after the warning starts: within the grace
)

// night is a scripted night-production window: the nights of the warning.
func nights() [][2]time.Time {
	return [][2]time.Time{{at(2, 25, 22, 0), at(2, 26, 6, 0)}, {at(2, 26, 22, 0), at(2, 27, 6, 0)}, {at(2, 27, 22, 0), at(2, 28, 6, 0)}}
}

var (
	gapFrom, gapTo         = at(2, 26, 2, 0), at(2, 26, 5, 0)   // sc-gap's line meter is silent
	treatOffFrom, treatOff = at(2, 26, 14, 0), at(2, 26, 16, 0) // sc-treat's filter is off
	bothFrom, bothTo       = at(2, 26, 10, 0), at(2, 26, 14, 0) // sc-both's maintenance
	restartAt              = Lift.Add(-12 * time.Hour)          // sc-restart(-ok) resume
)

// Expectations are the events the scripts call for.
func Expectations() map[string][]Expected {
	out := map[string][]Expected{}
	for _, f := range []string{"sc-night", "sc-grid-night"} {
		for _, n := range nights() {
			out[f] = append(out[f], Expected{compliance.RuleStopNotExecuted, n[0], n[1]}, Expected{compliance.RuleNightProduction, n[0], n[1]})
		}
	}
	t0 := WarningStart.Add(2 * time.Hour)
	out["sc-limit"] = []Expected{{compliance.RuleLimitNotMet, t0, Lift}}
	out["sc-treat"] = []Expected{{compliance.RuleTreatmentOff, treatOffFrom, treatOff}}
	out["sc-gap"] = []Expected{{compliance.RuleDataGap, gapFrom, gapTo}}
	out["sc-early"] = []Expected{{compliance.RuleTreatmentStoppedEarly, WarningStart.Add(stopAt - 30*time.Minute), WarningStart.Add(stopAt)}}
	out["sc-restart"] = []Expected{{compliance.RuleRestartWithoutApproval, restartAt, Lift}}
	out["sc-cems"] = []Expected{{compliance.RuleEmissionsUp, t0, Lift}}
	return out
}

// shape is a normal day's production factor at the start of an interval:
// a day shift at full load and a lighter night shift on weekdays, less at
// weekends, a dip over the holiday, 70 % on the earlier warning day.
func shape(start time.Time) float64 {
	d := dayOf(start)
	h := start.Hour()
	day := h >= 6 && h < 22
	var f float64
	switch wd := start.Weekday(); {
	case wd == time.Saturday || wd == time.Sunday:
		f = 0.5
		if day {
			f = 0.6
		}
	default:
		f = 0.7
		if day {
			f = 1
		}
	}
	if d >= HolidayFrom.Start().Unix() && d <= HolidayTo.Start().Unix() {
		f = 0.2
	}
	if d == EarlierWarning.Start().Unix() {
		f *= 0.7
	}
	return f
}

func dayOf(t time.Time) int64 {
	y, m, d := t.In(aqi.CST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, aqi.CST).Unix()
}

func in(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

// script is a firm's production factor at an interval's start (relative
// to its normal shape), and its treatment's override (ok false: the
// treatment follows production).
type script struct {
	prod  func(start time.Time) float64
	treat func(start time.Time) (float64, bool)
}

func during(t time.Time) bool { return in(t, WarningStart.Add(stopAt), Lift) }

func scripts() map[string]script {
	const stopped = 0.05
	stop := func(t time.Time) float64 {
		if during(t) {
			return stopped
		}
		return 1
	}
	cut := func(f float64) func(time.Time) float64 {
		return func(t time.Time) float64 {
			if during(t) {
				return f
			}
			return 1
		}
	}
	nightly := func(t time.Time) float64 {
		for _, n := range nights() {
			if in(t, n[0], n[1]) {
				return 0.9
			}
		}
		return stop(t)
	}
	restart := func(t time.Time) float64 {
		if in(t, restartAt, Lift) {
			return 1
		}
		return stop(t)
	}
	return map[string]script{
		"sc-stop":     {prod: stop},
		"sc-night":    {prod: nightly},
		"sc-limit":    {prod: cut(0.8)},
		"sc-limit-ok": {prod: cut(0.45)},
		"sc-treat": {prod: cut(0.65), treat: func(t time.Time) (float64, bool) {
			return 0.02, in(t, treatOffFrom, treatOff)
		}},
		"sc-both": {prod: func(t time.Time) float64 {
			if in(t, bothFrom, bothTo) {
				return 0.02
			}
			return 1
		}},
		"sc-gap": {prod: stop},
		"sc-early": {prod: stop, treat: func(t time.Time) (float64, bool) {
			return 0.02, in(t, WarningStart.Add(stopAt-30*time.Minute), Lift)
		}},
		"sc-restart":    {prod: restart},
		"sc-restart-ok": {prod: restart},
		"sc-grid":       {prod: stop},
		"sc-grid-night": {prod: nightly},
		"sc-cems":       {prod: cut(0.65)},
		"sc-cems-ok":    {prod: cut(0.65)},
		"sc-maint": {prod: func(t time.Time) float64 {
			if d := dayOf(t); d >= MaintFrom.Start().Unix() && d <= MaintTo.Start().Unix() {
				return 0.03
			}
			return stop(t)
		}},
		"sc-partial": {prod: stop}, // line 1; line 2: partialLine2
	}
}

// partialLine2 is sc-partial's line 2: orange stops line 1 only, so line 2
// keeps yellow's 30 % cut (levels are cumulative) and cuts 35 %.
func partialLine2(t time.Time) float64 {
	if during(t) {
		return 0.65
	}
	return 1
}

// Generate makes the scenario for the list (the synthetic list of
// compliance/testdata/scenario-list.yaml; another list's firms all run
// normally) with the given seed.
func Generate(l *reduction.List, seed uint64) (*Scenario, error) {
	n := Days * 96
	r, err := compliance.NewReadings(First, n)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	noise := func() float64 { return 0.95 + 0.1*rng.Float64() }
	sc := scripts()
	for k, e := range l.Enterprises {
		s, ok := sc[e.ID]
		if !ok {
			s = script{prod: func(time.Time) float64 { return 1 }}
		}
		nominal := 150 + 10*float64(k) // kWh per interval at full load
		factor := func(unitID string, start time.Time) float64 {
			f := shape(start)
			if e.ID == "sc-partial" && unitID == "line2" {
				return f * partialLine2(start)
			}
			return f * s.prod(start)
		}
		// A treatment unit follows the production it serves and runs one
		// interval longer: it starts with production and stops after it.
		serves := map[string][]string{}
		for _, u := range e.Units {
			for _, t := range u.LinkedTreatment {
				serves[t] = append(serves[t], u.ID)
			}
		}
		prodFactor := func(units []string, start time.Time) float64 {
			var f float64
			for _, u := range units {
				f += factor(u, start) / float64(len(units))
			}
			return f
		}
		for _, m := range e.Monitoring.Meters {
			unit := unitOf(e, m)
			col := make([]float32, n)
			for i := range col {
				start := First.Add(time.Duration(i-1) * compliance.Interval)
				var v float64
				switch {
				case unit == nil: // main meter: production, treatment and the rest
					v = 1.3 * nominal * factor("", start)
				case unit.Kind == reduction.UnitTreatment:
					f := max(prodFactor(serves[unit.ID], start), prodFactor(serves[unit.ID], start.Add(-compliance.Interval)))
					if s.treat != nil {
						if o, ok := s.treat(start); ok {
							f = o
						}
					}
					v = 0.15 * nominal * f
				default:
					v = nominal * factor(unit.ID, start)
				}
				col[i] = float32(math.Round(v*noise()*100) / 100)
				if m == "sc-gap-p1" && in(start, gapFrom, gapTo) {
					col[i] = float32(math.NaN())
				}
			}
			if err := r.SetColumn(m, col); err != nil {
				return nil, err
			}
		}
	}
	in := compliance.Input{
		List:     l,
		Warnings: []compliance.Warning{{ID: "w-orange", Level: reduction.LevelOrange, Primary: "pm25", EffectiveStart: WarningStart, Lift: Lift}},
		Readings: r,
		Calendar: compliance.Calendar{
			Holidays:    days(HolidayFrom, HolidayTo),
			WarningDays: []reduction.Date{EarlierWarning},
			Stops:       []compliance.RecordedStop{{Enterprise: "sc-maint", Unit: "line1", From: MaintFrom, To: MaintTo}},
		},
		Approvals: []compliance.Approval{{Enterprise: "sc-restart-ok", Unit: "line1", From: restartAt, Ref: "江环应急复产〔2026〕演示1号"}},
		Emissions: emissions(l, rng),
		Now:       Now,
	}
	return &Scenario{Input: in, Expected: Expectations()}, nil
}

// emissions are hourly NOx rates (kg/h) of the firms with monitors from
// ten days before the warning to the end: 10 kg/h ± 5 % before, and during
// the warning 12 (sc-cems: up) or 6.5 (sc-cems-ok: down).
func emissions(l *reduction.List, rng *rand.Rand) []compliance.EmissionSeries {
	var out []compliance.EmissionSeries
	for _, e := range l.Enterprises {
		for _, mn := range e.Monitoring.HJ212MN {
			s := compliance.EmissionSeries{MN: mn, Pollutant: "NOx", Unit: "kg/h"}
			for t := WarningStart.Add(-10 * 24 * time.Hour); !t.After(Now); t = t.Add(time.Hour) {
				v := 10.0
				if during(t.Add(-time.Hour)) {
					v = 6.5
					if e.ID == "sc-cems" {
						v = 12
					}
				}
				s.Points = append(s.Points, compliance.EmissionPoint{End: t, Value: math.Round(v*(0.95+0.1*rng.Float64())*1000) / 1000})
			}
			out = append(out, s)
		}
	}
	return out
}

func days(from, to reduction.Date) []reduction.Date {
	var out []reduction.Date
	for t := from.Start(); !t.After(to.Start()); t = t.AddDate(0, 0, 1) {
		d, _ := reduction.ParseDate(t.Format(time.DateOnly))
		out = append(out, d)
	}
	return out
}

func unitOf(e reduction.Enterprise, meter string) *reduction.Unit {
	for i := range e.Units {
		for _, m := range e.Units[i].Meters {
			if m == meter {
				return &e.Units[i]
			}
		}
	}
	return nil
}

// DefaultParams are the shipped parameters (configs/compliance/defaults.yaml,
// as embedded in the binary).
func DefaultParams() (*compliance.Params, error) {
	b, err := fs.ReadFile(configs.Compliance, "compliance/defaults.yaml")
	if err != nil {
		return nil, err
	}
	return compliance.ParseParams(b)
}

// EnterpriseOf returns the firm a meter belongs to in the list.
func EnterpriseOf(l *reduction.List, meter string) string {
	for _, e := range l.Enterprises {
		for _, m := range e.Monitoring.Meters {
			if m == meter {
				return e.ID
			}
		}
	}
	return ""
}

// Describe is a one-line summary of a scenario, for logs.
func (s *Scenario) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d meters × %d intervals from %s, warning %s–%s", len(s.Input.Readings.Meters()), s.Input.Readings.Len,
		First.Format(time.RFC3339), WarningStart.Format(time.RFC3339), Lift.Format(time.RFC3339))
	return b.String()
}

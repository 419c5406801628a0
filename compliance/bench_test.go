package compliance_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/reduction"
)

// benchInput is notes §7 acceptance 9: 500 sources × 4 meters (two lines,
// their bag filter, the main meter) × 15 min × 90 days ≈ 17 M points and a
// 72 h orange warning at the end. A third of the firms stop, a third cut
// 50 %, a third stop one line; one in ten of each produces at night, one
// in twenty switches its filter off for an hour, and a fifth have an
// online NOx monitor.
func benchInput(b *testing.B) compliance.Input {
	b.Helper()
	const firms, days = 500, 90
	first := time.Date(2025, time.November, 1, 0, 15, 0, 0, aqi.CST)
	n := days * 96
	start := first.Add(time.Duration(n-96*4) * compliance.Interval).Add(18*time.Hour - 15*time.Minute) // 3.x days before the end, 18:00
	lift := start.Add(72 * time.Hour)
	r, err := compliance.NewReadings(first, n)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	l := &reduction.List{ID: "bench"}
	var emissions []compliance.EmissionSeries
	for i := range firms {
		id := fmt.Sprintf("f%03d", i)
		m := func(s string) string { return id + "-" + s }
		e := reduction.Enterprise{ID: id, NameZH: id, SourceType: reduction.SourceIndustrial, GuideIndustry: "other", Grade: reduction.GradeD,
			Status: reduction.StatusProducing, Monitoring: reduction.Monitoring{Meters: []string{m("p1"), m("p2"), m("t1"), m("m1")}},
			Units: []reduction.Unit{
				{ID: "line1", Kind: reduction.UnitProduction, NameZH: "1", LinkedTreatment: []string{"bag1"}, Meters: []string{m("p1")}, Capacity: reduction.Capacity{Design: 60, Unit: "t/d"}},
				{ID: "line2", Kind: reduction.UnitProduction, NameZH: "2", LinkedTreatment: []string{"bag1"}, Meters: []string{m("p2")}, Capacity: reduction.Capacity{Design: 40, Unit: "t/d"}},
				{ID: "bag1", Kind: reduction.UnitTreatment, NameZH: "bag", Meters: []string{m("t1")}},
			}}
		nightly, filterOff := i%10 == 0, i%20 == 7
		both := []string{"line1", "line2"}
		switch i % 3 {
		case 0:
			e.Measures = []reduction.Measure{{Level: "orange", Action: reduction.ActionStopUnit, TargetUnits: both, TextZH: "停"}}
		case 1:
			e.Measures = []reduction.Measure{{Level: "orange", Action: reduction.ActionLimitPct, Value: 50, TargetUnits: both, TextZH: "限"}}
		case 2:
			e.Measures = []reduction.Measure{{Level: "yellow", Action: reduction.ActionLimitPct, Value: 30, TargetUnits: both, TextZH: "限"},
				{Level: "orange", Action: reduction.ActionStopUnit, TargetUnits: []string{"line1"}, TextZH: "停"}}
		}
		if i%5 == 0 {
			e.Monitoring.HJ212MN = []string{m("mn")}
			s := compliance.EmissionSeries{MN: m("mn"), Pollutant: "NOx", Unit: "kg/h"}
			// NOx follows the firm's cut (the night producers' does not).
			cut := [3]float64{0.05, 0.45, 0.6*0.05 + 0.4*0.65}[i%3]
			for t := start.Add(-10 * 24 * time.Hour); t.Before(lift); t = t.Add(time.Hour) {
				f := 1.0
				if t.After(start.Add(time.Hour)) && !nightly {
					f = cut
				}
				s.Points = append(s.Points, compliance.EmissionPoint{End: t, Value: 10 * f * (0.95 + 0.1*rng.Float64())})
			}
			emissions = append(emissions, s)
		}
		l.Enterprises = append(l.Enterprises, e)
		cols := [4][]float32{make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)}
		for k := range n {
			t := first.Add(time.Duration(k-1) * compliance.Interval)
			f := 1.0
			if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
				f = 0.6
			}
			if h := t.Hour(); h < 6 || h >= 22 {
				f *= 0.7
			}
			p1, p2 := f, f
			if !t.Before(start.Add(time.Hour)) && t.Before(lift) {
				switch i % 3 {
				case 0:
					p1, p2 = 0.05*f, 0.05*f
				case 1:
					p1, p2 = 0.45*f, 0.45*f
				case 2:
					p1, p2 = 0.05*f, 0.65*f
				}
				if h := t.Hour(); nightly && (h < 6 || h >= 22) {
					p1, p2 = f, f
				}
			}
			tf := max(p1, p2)
			if filterOff && !t.Before(start.Add(24*time.Hour)) && t.Before(start.Add(25*time.Hour)) {
				tf = 0.02
			}
			noise := func() float32 { return float32(0.95 + 0.1*rng.Float64()) }
			cols[0][k] = float32(60*p1) * noise()
			cols[1][k] = float32(40*p2) * noise()
			cols[2][k] = float32(15*tf) * noise()
			cols[3][k] = (cols[0][k] + cols[1][k] + cols[2][k]) * 1.1
		}
		for j, s := range []string{"p1", "p2", "t1", "m1"} {
			if err := r.SetColumn(m(s), cols[j]); err != nil {
				b.Fatal(err)
			}
		}
	}
	return compliance.Input{List: l, Readings: r, Emissions: emissions, Now: lift.Add(6 * time.Hour),
		Warnings: []compliance.Warning{{ID: "w", Level: reduction.LevelOrange, Primary: "pm25", EffectiveStart: start, Lift: lift}}}
}

// BenchmarkEvaluate is every rule over a 72 h warning on ≈ 17 M points
// (target < 2 s on the laptop); it reports the input's points per second.
func BenchmarkEvaluate(b *testing.B) {
	in := benchInput(b)
	p := params(b)
	points := float64(in.Readings.Points())
	var events int
	for b.Loop() {
		events = len(p.Evaluate(in).Events)
	}
	b.ReportMetric(points, "points")
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(points*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// Package sourcestest is the contract of the stores of what the
// emission-reduction list's sources send — meter readings (power) and online
// emission monitors' readings — as ingest writes them and the compliance
// engine reads them back. The InfluxDB store (store/influx, against a real
// InfluxDB 1.8) and the SQLite store (store/sqlite) both run it, so the
// engine sees the same data whichever store the service runs on.
package sourcestest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest"
)

// Store is what the contract checks: ingest's writes and the readers.
type Store interface {
	ingest.SourceWriter
	// PowerReadings: a source's meter readings whose interval ends in
	// (from, to], by meter, each in time order.
	PowerReadings(ctx context.Context, enterprise string, from, to time.Time) (map[string][]aqwarn.PowerReading, error)
	// EmissionReadings: a source's emission readings whose interval ends
	// in (from, to], by monitor, interval and time.
	EmissionReadings(ctx context.Context, enterprise string, from, to time.Time) ([]aqwarn.EmissionReading, error)
}

// Open returns a store and reopen, which closes it and opens the same data
// again, as a restart does. The rules share the store (each writes the
// readings of its own sources), so a server is started once. Open closes
// what it opens when t ends.
type Open func(t *testing.T) (s Store, reopen func(t *testing.T) Store)

// Run checks the store open makes, rule by rule.
func Run(t *testing.T, open Open) {
	s, reopen := open(t)
	for _, r := range []struct {
		name string
		run  func(t *testing.T, s Store, src string)
	}{
		{"PowerRoundTrip", powerRoundTrip},
		{"PowerRedeliveryReplaces", powerRedeliveryReplaces},
		{"PowerMeterMovedToAnotherUnit", powerMeterMovedToAnotherUnit},
		{"PowerNamesWithSpacesAndCommas", powerNamesWithSpacesAndCommas},
		{"EmissionRoundTrip", emissionRoundTrip},
		{"EmissionRedeliveryAndSplitPackets", emissionRedeliveryAndSplitPackets},
		{"NothingStored", nothingStored},
	} {
		t.Run(r.name, func(t *testing.T) { r.run(t, s, "src-"+strings.ToLower(r.name)) })
	}
	t.Run("SurvivesReopen", func(t *testing.T) {
		ctx := context.Background()
		src := "src-reopen"
		ps := []aqwarn.PowerReading{pw(src, "main", "", t0, 100, nil, "")}
		es := []aqwarn.EmissionReading{{Enterprise: src, MN: "mn1", Time: t0, Interval: time.Hour,
			Values: []aqwarn.EmissionValue{{Pollutant: aqwarn.EmissionSO2, Avg: f(12)}}}}
		must(t, s.WritePower(ctx, ps))
		must(t, s.WriteEmissions(ctx, es))
		s = reopen(t)
		checkPower(t, s, src, t0.Add(-time.Hour), t0, map[string][]aqwarn.PowerReading{"main": ps})
		checkEmissions(t, s, src, t0.Add(-time.Hour), t0, es)
	})
}

var t0 = time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC) // 13:00 China time

func f(v float64) *float64 { return &v }

func q(i int) time.Time { return t0.Add(time.Duration(i) * aqwarn.PowerInterval) }

func pw(src, meter, unit string, t time.Time, kwh float64, kw *float64, flag string) aqwarn.PowerReading {
	return aqwarn.PowerReading{Enterprise: src, Unit: unit, Meter: meter, Time: t, KWh: kwh, KW: kw, Flag: flag}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

// render writes readings in one form for comparison (times as instants,
// whatever zone a store gives them back in).
func renderPower(m map[string][]aqwarn.PowerReading) string {
	var b strings.Builder
	meters := make([]string, 0, len(m))
	for k := range m {
		meters = append(meters, k)
	}
	slices.Sort(meters)
	for _, k := range meters {
		for _, p := range m[k] {
			fmt.Fprintf(&b, "[%s] %s/%s/%s %s kwh=%v kw=%s flag=%q\n", k, p.Enterprise, p.Unit, p.Meter,
				p.Time.UTC().Format(time.RFC3339), p.KWh, ptr(p.KW), p.Flag)
		}
	}
	return b.String()
}

func renderEmissions(es []aqwarn.EmissionReading) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "%s/%s %s %s:", e.Enterprise, e.MN, e.Interval, e.Time.UTC().Format(time.RFC3339))
		for _, v := range e.Values {
			fmt.Fprintf(&b, " %s(avg=%s zs=%s cou=%s flag=%q)", v.Pollutant, ptr(v.Avg), ptr(v.ZsAvg), ptr(v.Cou), v.Flag)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func checkPower(t *testing.T, s Store, src string, from, to time.Time, want map[string][]aqwarn.PowerReading) {
	t.Helper()
	got, err := s.PowerReadings(context.Background(), src, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := renderPower(got), renderPower(want); g != w {
		t.Errorf("PowerReadings(%s, %s, %s):\n%s\nwant:\n%s", src, from.Format(time.RFC3339), to.Format(time.RFC3339), g, w)
	}
}

func checkEmissions(t *testing.T, s Store, src string, from, to time.Time, want []aqwarn.EmissionReading) {
	t.Helper()
	got, err := s.EmissionReadings(context.Background(), src, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := renderEmissions(got), renderEmissions(want); g != w {
		t.Errorf("EmissionReadings(%s):\n%s\nwant:\n%s", src, g, w)
	}
}

// Readings come back by meter in time order, with kw and flag as written;
// the range is (from, to]; another source's meters are not returned.
func powerRoundTrip(t *testing.T, s Store, src string) {
	ctx := context.Background()
	var ps []aqwarn.PowerReading
	for i := 0; i <= 5; i++ {
		ps = append(ps, pw(src, "line", "kiln1", q(i), 400+float64(i), f(1600+float64(i)), ""))
	}
	ps = append(ps, pw(src, "bag", "bag1", q(2), 30.5, nil, "M"), pw(src, "bag", "bag1", q(1), 31, nil, "N"),
		pw(src+"-other", "line", "kiln1", q(2), 999, nil, ""))
	must(t, s.WritePower(ctx, ps))
	checkPower(t, s, src, q(0), q(4), map[string][]aqwarn.PowerReading{
		"line": {ps[1], ps[2], ps[3], ps[4]}, // q(0) is outside (from is exclusive), q(4) inside
		"bag":  {ps[7], ps[6]},
	})
}

// Writing a reading again replaces it: one reading per interval, its new
// kwh and flag (a corrected flag takes effect), its kw kept when the
// rewrite has none.
func powerRedeliveryReplaces(t *testing.T, s Store, src string) {
	ctx := context.Background()
	first := []aqwarn.PowerReading{pw(src, "m1", "u1", q(1), 50, f(200), "M"), pw(src, "m1", "u1", q(2), 60, f(240), "")}
	for range 3 {
		must(t, s.WritePower(ctx, first))
	}
	checkPower(t, s, src, q(0), q(2), map[string][]aqwarn.PowerReading{"m1": first})
	again := pw(src, "m1", "u1", q(1), 55, nil, "")
	must(t, s.WritePower(ctx, []aqwarn.PowerReading{again}))
	again.KW = f(200)
	checkPower(t, s, src, q(0), q(2), map[string][]aqwarn.PowerReading{"m1": {again, first[1]}})
}

// A list revision moves a meter to another unit and the same reading is
// delivered again: still one reading per interval.
func powerMeterMovedToAnotherUnit(t *testing.T, s Store, src string) {
	ctx := context.Background()
	must(t, s.WritePower(ctx, []aqwarn.PowerReading{pw(src, "m1", "line-a", q(1), 70, nil, "")}))
	must(t, s.WritePower(ctx, []aqwarn.PowerReading{pw(src, "m1", "line-b", q(1), 70, nil, "")}))
	got, err := s.PowerReadings(ctx, src, q(0), q(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(got["m1"]) != 1 || got["m1"][0].KWh != 70 {
		t.Errorf("after the move: %s, want one reading of 70 kWh", renderPower(got))
	}
}

// Ids with spaces, commas and '=' (tag syntax in InfluxDB) survive.
func powerNamesWithSpacesAndCommas(t *testing.T, s Store, src string) {
	ctx := context.Background()
	ps := []aqwarn.PowerReading{pw(src, "m 1,x=y", "1号 线,a", q(1), 12.25, nil, "")}
	must(t, s.WritePower(ctx, ps))
	checkPower(t, s, src, q(0), q(1), map[string][]aqwarn.PowerReading{"m 1,x=y": ps})
}

// Emission readings come back grouped by monitor, interval and time, their
// values in pollutant order with the fields that were sent.
func emissionRoundTrip(t *testing.T, s Store, src string) {
	ctx := context.Background()
	es := []aqwarn.EmissionReading{
		{Enterprise: src, MN: "mn-b", Time: t0.Add(time.Hour), Interval: time.Hour, Values: []aqwarn.EmissionValue{
			{Pollutant: aqwarn.EmissionNOx, Avg: f(180), ZsAvg: f(210.5), Cou: f(4.2), Flag: "N"}}},
		{Enterprise: src, MN: "mn-a", Time: t0.Add(time.Hour), Interval: time.Hour, Values: []aqwarn.EmissionValue{
			{Pollutant: aqwarn.EmissionSO2, Avg: f(35), Cou: f(0.9)}, {Pollutant: aqwarn.EmissionPM, ZsAvg: f(8), Flag: "D"}}},
		{Enterprise: src, MN: "mn-a", Time: t0.Add(2 * time.Minute), Interval: time.Minute, Values: []aqwarn.EmissionValue{
			{Pollutant: aqwarn.EmissionVOCs, Avg: f(20)}}},
		{Enterprise: src, MN: "mn-a", Time: t0, Interval: time.Hour, Values: []aqwarn.EmissionValue{ // outside (from, to]
			{Pollutant: aqwarn.EmissionSO2, Avg: f(1)}}},
		{Enterprise: src + "-other", MN: "mn-x", Time: t0.Add(time.Hour), Interval: time.Hour, Values: []aqwarn.EmissionValue{
			{Pollutant: aqwarn.EmissionSO2, Avg: f(1)}}},
	}
	must(t, s.WriteEmissions(ctx, es))
	checkEmissions(t, s, src, t0, t0.Add(time.Hour), []aqwarn.EmissionReading{es[2], es[1], es[0]})
}

// The parts of a split HJ 212 packet add up to one reading; a reading sent
// again replaces the fields it carries and its flag, and keeps the others.
func emissionRedeliveryAndSplitPackets(t *testing.T, s Store, src string) {
	ctx := context.Background()
	at := t0.Add(time.Hour)
	part := func(vs ...aqwarn.EmissionValue) []aqwarn.EmissionReading {
		return []aqwarn.EmissionReading{{Enterprise: src, MN: "mn1", Time: at, Interval: time.Hour, Values: vs}}
	}
	must(t, s.WriteEmissions(ctx, part(aqwarn.EmissionValue{Pollutant: aqwarn.EmissionSO2, Avg: f(40), Cou: f(1), Flag: "M"})))
	must(t, s.WriteEmissions(ctx, part(aqwarn.EmissionValue{Pollutant: aqwarn.EmissionNOx, Avg: f(150)})))
	must(t, s.WriteEmissions(ctx, part(aqwarn.EmissionValue{Pollutant: aqwarn.EmissionNOx, Avg: f(150)})))
	must(t, s.WriteEmissions(ctx, part(aqwarn.EmissionValue{Pollutant: aqwarn.EmissionSO2, Cou: f(1.5), Flag: "N"})))
	checkEmissions(t, s, src, t0, at, part(
		aqwarn.EmissionValue{Pollutant: aqwarn.EmissionSO2, Avg: f(40), Cou: f(1.5), Flag: "N"},
		aqwarn.EmissionValue{Pollutant: aqwarn.EmissionNOx, Avg: f(150)}))
}

// A source with nothing stored reads as empty, not as an error.
func nothingStored(t *testing.T, s Store, src string) {
	ctx := context.Background()
	ps, err := s.PowerReadings(ctx, src, t0, t0.Add(24*time.Hour))
	if err != nil || len(ps) != 0 {
		t.Errorf("PowerReadings of a silent source: %v %v", ps, err)
	}
	es, err := s.EmissionReadings(ctx, src, t0, t0.Add(24*time.Hour))
	if err != nil || len(es) != 0 {
		t.Errorf("EmissionReadings of a silent source: %v %v", es, err)
	}
}

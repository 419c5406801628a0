package compliance

import (
	"fmt"
	"slices"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/reduction"
)

var cst = aqi.CST

type baselineKey struct {
	meter  string
	anchor int64
}

// baseline is a meter's normal use per quarter hour of the day: the
// median over the normal days of each day type.
type baseline struct {
	ok     bool
	reason string
	slots  [3][slotsADay]float64 // by dayType: weekday, Saturday (or the weekend), Sunday or holiday
	// running is the meter's running level: its highest slot (R4, R5).
	running float64
	days    []int64 // the normal days used, latest first
}

// Baseline is a meter's baseline as the engine computes it, for tests and
// reports: the normal days it took and its per-slot medians.
type Baseline struct {
	Meter string `json:"meter"`
	// Days are the normal days used, latest first.
	Days []reduction.Date `json:"days"`
	// Weekday, Saturday and Weekend (Sundays and holidays) are the
	// medians per quarter hour (slot 0 is 00:00–00:15) in kWh; with
	// day_types weekday_weekend Saturday is Weekend, with all the three
	// are the same.
	Weekday  []float64 `json:"weekday"`
	Saturday []float64 `json:"saturday"`
	Weekend  []float64 `json:"weekend"`
	// Running is the highest slot.
	Running float64 `json:"running"`
}

// MeterBaseline returns the baseline the engine uses for a meter before a
// warning starting at anchor; ok is false (with the reason) when the meter
// has too few normal days.
func (p *Params) MeterBaseline(in Input, meter string, anchor time.Time) (Baseline, bool, string) {
	ev := &evaluator{p: p, in: in, r: in.Readings, now: in.Now.Unix(), baselines: map[baselineKey]*baseline{}}
	ev.index()
	var owner [2]string
	for _, f := range ev.order {
		if slices.Contains(f.mains, meter) {
			owner = [2]string{f.e.ID, ""}
		}
		for u, ms := range f.unitMeters {
			if slices.Contains(ms, meter) {
				owner = [2]string{f.e.ID, u}
			}
		}
	}
	b := ev.baseline(meter, owner, dayOf(anchor.Unix()))
	out := Baseline{Meter: meter, Weekday: slices.Clone(b.slots[0][:]), Saturday: slices.Clone(b.slots[1][:]),
		Weekend: slices.Clone(b.slots[2][:]), Running: b.running}
	for _, d := range b.days {
		out.Days = append(out.Days, dateOf(d))
	}
	return out, b.ok, b.reason
}

func dateOf(d int64) reduction.Date {
	t := time.Unix(dayStart(d), 0).In(cst)
	date, _ := reduction.ParseDate(t.Format(time.DateOnly))
	return date
}

// weekend reports whether day d has the weekend's shape: a Saturday or
// Sunday not worked (调休), or a holiday.
func (ev *evaluator) weekend(d int64) bool {
	if ev.holidays[d] {
		return true
	}
	wd := time.Unix(d*daySeconds, 0).UTC().Weekday()
	return (wd == time.Saturday || wd == time.Sunday) && !ev.workdays[d]
}

// dayType is the baseline type of day d: 0 a weekday, 1 a Saturday, 2 a
// Sunday or holiday (with weekday_weekend a Saturday is 2, with all
// every day is 0).
func (ev *evaluator) dayType(d int64) int {
	switch ev.p.Baseline.DayTypes {
	case DayTypesAll:
		return 0
	case DayTypesWeekdaySaturdaySunday:
		if !ev.holidays[d] && !ev.workdays[d] && time.Unix(d*daySeconds, 0).UTC().Weekday() == time.Saturday {
			return 1
		}
	}
	if ev.weekend(d) {
		return 2
	}
	return 0
}

// stopped reports whether a recorded stop covers day d for the firm or unit.
func (ev *evaluator) stopped(owner [2]string, d int64) bool {
	for _, k := range [][2]string{owner, {owner[0], ""}} {
		for _, r := range ev.stops[k] {
			if d >= r.from && d <= r.to {
				return true
			}
		}
	}
	return false
}

// baseline is meter's baseline before anchor day (owner: its firm and
// unit, for recorded stops), cached.
func (ev *evaluator) baseline(meter string, owner [2]string, anchor int64) *baseline {
	key := baselineKey{meter, anchor}
	if b, ok := ev.baselines[key]; ok {
		return b
	}
	b := ev.computeBaseline(meter, owner, anchor)
	ev.baselines[key] = b
	return b
}

func (ev *evaluator) computeBaseline(meter string, owner [2]string, anchor int64) *baseline {
	bp := ev.p.Baseline
	b := &baseline{}
	col := ev.r.Column(meter)
	if col == nil {
		b.reason = fmt.Sprintf("meter %s has no readings", meter)
		return b
	}
	minPresent := int(float64(slotsADay)*bp.MinDayCoveragePct/100 + 0.999999)
	// first index of day d: the interval starting at its 00:00
	firstIdx := func(d int64) int {
		i, _ := ev.span(dayStart(d), dayStart(d)+daySeconds)
		return i
	}
	for d := anchor - 1; d >= anchor-int64(bp.MaxLookbackDays) && len(b.days) < bp.Days; d-- {
		if ev.excluded[d] || ev.stopped(owner, d) {
			continue
		}
		i0 := firstIdx(d)
		if i0+slotsADay-1 < 0 || i0 >= len(col) {
			continue
		}
		present := 0
		for s := range slotsADay {
			if v := at32(col, i0+s); !isNaN(v) {
				present++
			}
		}
		if present >= minPresent {
			b.days = append(b.days, d)
		}
	}
	if len(b.days) < bp.MinDays {
		b.reason = fmt.Sprintf("meter %s: %d normal days before %s, the baseline needs %d", meter, len(b.days), dateOf(anchor), bp.MinDays)
		return b
	}
	var types [3][]int64
	for _, d := range b.days {
		t := ev.dayType(d)
		types[t] = append(types[t], d)
	}
	// A type with too few days takes the wider one's: a Saturday or a
	// Sunday the weekend's (both), the weekend all days.
	weekend := append(slices.Clone(types[1]), types[2]...)
	wider := func(t int) []int64 {
		days := types[t]
		if t > 0 && len(days) < bp.MinDaysPerType {
			days = weekend
		}
		if len(days) < bp.MinDaysPerType {
			days = b.days
		}
		return days
	}
	buf := make([]float64, 0, bp.Days)
	for t := range 3 {
		days := wider(t)
		for s := range slotsADay {
			buf = buf[:0]
			for _, d := range days {
				if v := at32(col, firstIdx(d)+s); !isNaN(v) {
					buf = append(buf, v)
				}
			}
			b.slots[t][s] = median(buf)
		}
	}
	for t := range 3 {
		for _, v := range b.slots[t] {
			if !isNaN(v) && v > b.running {
				b.running = v
			}
		}
	}
	b.ok = true
	return b
}

// median of vs (reordered), NaN when empty.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return nan
	}
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

// at returns the baseline of interval i (its slot, of its day's type).
func (ev *evaluator) baselineAt(b *baseline, i int) float64 {
	start := ev.start(i)
	d := dayOf(start)
	return b.slots[ev.dayType(d)][int((start-dayStart(d))/step)]
}

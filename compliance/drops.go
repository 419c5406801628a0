package compliance

import (
	"cmp"
	"slices"
)

// SourceDrop is what a listed source's metered units under measures drew
// during a warning piece against their baseline (the Weifang comparison,
// notes §3.3: fully stopped firms fell by 75 % or more): the drop
// observed, and the drop its measures ask (a stop 100 %, a limit X %),
// weighted by each unit's baseline.
type SourceDrop struct {
	Source string   `json:"source"`
	NameZH string   `json:"name_zh"`
	Level  string   `json:"level"`
	Units  []string `json:"units"` // "" is the firm's main meters
	// Observed and Baseline are kWh over the intervals both have, from the
	// grace's end to the lift (or now).
	Observed    float64 `json:"observed_kwh"`
	Baseline    float64 `json:"baseline_kwh"`
	DropPct     float64 `json:"drop_pct"`
	ExpectedPct float64 `json:"expected_pct"`
}

// PowerDrops is every listed source's SourceDrop per warning piece of in,
// in order of source and level; a source with no metered unit under a
// power-checked measure, or no baseline, has none.
func (p *Params) PowerDrops(in Input) []SourceDrop {
	ev := &evaluator{p: p, in: in, r: in.Readings, now: in.Now.Unix(), baselines: map[baselineKey]*baseline{}}
	if ev.r == nil || in.List == nil {
		return nil
	}
	ev.index()
	type key struct{ source, level string }
	acc := map[key]*SourceDrop{}
	expected := map[key]float64{}
	for _, w := range in.Warnings {
		end := w.Lift
		if end.IsZero() || end.After(in.Now) {
			end = in.Now
		}
		ws := w.EffectiveStart.Unix()
		win := window{w: w, start: ws, anchor: dayOf(ws)}
		win.a, win.b = ev.span(ws+int64(p.Grace.Seconds()), end.Unix())
		for _, ins := range in.List.Resolve(w.Level, w.Primary, w.EffectiveStart) {
			f := ev.firms[ins.Source]
			if f == nil {
				continue
			}
			for _, s := range ev.subjects(win, f, ins) {
				b := ev.subjectBaseline(s.meters, [2]string{f.e.ID, s.unit}, win.anchor)
				if !b.ok {
					continue
				}
				v, bs := ev.values(s.meters, win.a, win.b), ev.baselineSeries(b, win.a, win.b)
				var obs, base float64
				for k := range v {
					if !isNaN(v[k]) && !isNaN(bs[k]) {
						obs, base = obs+v[k], base+bs[k]
					}
				}
				if base <= 0 {
					continue
				}
				k := key{f.e.ID, w.Level}
				d := acc[k]
				if d == nil {
					d = &SourceDrop{Source: f.e.ID, NameZH: f.e.NameZH, Level: w.Level}
					acc[k] = d
				}
				if !slices.Contains(d.Units, s.unit) {
					d.Units = append(d.Units, s.unit)
				}
				d.Observed += obs
				d.Baseline += base
				pct := s.limitPct
				if s.kind == kindStop {
					pct = 100
				}
				expected[k] += pct * base
			}
		}
	}
	out := make([]SourceDrop, 0, len(acc))
	for k, d := range acc {
		d.DropPct = round1(100 * (1 - d.Observed/d.Baseline))
		d.ExpectedPct = round1(expected[k] / d.Baseline)
		d.Observed, d.Baseline = round1(d.Observed), round1(d.Baseline)
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b SourceDrop) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Level, b.Level))
	})
	return out
}

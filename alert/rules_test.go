package alert

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestRuns checks the union-of-windows definition of an exceedance run.
func TestRuns(t *testing.T) {
	t0 := dec(1, 0)
	h := time.Hour
	tests := []struct {
		name    string
		windows []Window
		thr     int
		want    [][2]time.Duration // offsets from t0
	}{
		// One window above is a 24 h run.
		{"one day", []Window{span(t0, 24, 210)}, 200, [][2]time.Duration{{0, 24 * h}}},
		// Two back-to-back days are one 48 h run (touching windows connect).
		{"two days touch", []Window{span(t0, 24, 210), span(t0.Add(24*h), 24, 205)}, 200, [][2]time.Duration{{0, 48 * h}}},
		// A day at the threshold breaks the run.
		{"gap day at threshold", []Window{span(t0, 24, 210), span(t0.Add(24*h), 24, 200), span(t0.Add(48*h), 24, 201)}, 200,
			[][2]time.Duration{{0, 24 * h}, {48 * h, 72 * h}}},
		// Rolling windows ending at t1..t2 above make t2 − t1 + 24 h.
		{"rolling", rollingAt(t0, 10, 220), 200, [][2]time.Duration{{-24 * h, 9 * h}}},
		// Order of the input does not matter.
		{"unsorted", []Window{span(t0.Add(24*h), 24, 205), span(t0, 24, 210)}, 200, [][2]time.Duration{{0, 48 * h}}},
		// Nothing above: no run.
		{"none", []Window{span(t0, 24, 150)}, 150, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Runs(tc.windows, tc.thr)
			if len(got) != len(tc.want) {
				t.Fatalf("runs = %+v, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !got[i].Start.Equal(t0.Add(w[0])) || !got[i].End.Equal(t0.Add(w[1])) || got[i].Threshold != tc.thr {
					t.Errorf("run %d = %s–%s, want %s–%s", i, got[i].Start, got[i].End, t0.Add(w[0]), t0.Add(w[1]))
				}
			}
		})
	}
}

// rollingAt returns n rolling observed windows ending at t0, t0+1h, ….
func rollingAt(t0 time.Time, n, aqi int) []Window {
	var ws []Window
	for i := 0; i < n; i++ {
		end := t0.Add(time.Duration(i) * time.Hour)
		ws = append(ws, Window{Start: end.Add(-24 * time.Hour), End: end, AQI: aqi, Source: SourceObserved})
	}
	return ws
}

// piece is a stretch of hours at one AQI.
type piece struct{ hours, aqi int }

func pieces(ps ...piece) []Window {
	t := dec(1, 0)
	var ws []Window
	for _, p := range ps {
		ws = append(ws, span(t, p.hours, p.aqi))
		t = t.Add(time.Duration(p.hours) * time.Hour)
	}
	return ws
}

// TestLevelBoundaries: each threshold just above and at its value, each
// duration one hour short and just enough. The level is read at the
// instant `at` hours after the first piece starts.
func TestLevelBoundaries(t *testing.T) {
	p := jianghua(t)
	tests := []struct {
		name string
		ws   []Window
		at   int
		want string
	}{
		// yellow, first alternative: > 200 for 24 h.
		{"201 for 24h is yellow", pieces(piece{24, 201}), 0, "yellow"},
		{"200 for 24h is nothing", pieces(piece{24, 200}), 0, "none"},
		{"201 for 23h is nothing", pieces(piece{23, 201}), 0, "none"},
		// yellow, second alternative: > 150 for 48 h.
		{"151 for 48h is yellow", pieces(piece{48, 151}), 0, "yellow"},
		{"150 for 48h is nothing", pieces(piece{48, 150}), 0, "none"},
		{"151 for 47h is nothing", pieces(piece{47, 151}), 0, "none"},
		// orange, first alternative: > 200 for 48 h.
		{"201 for 48h is orange", pieces(piece{48, 201}), 0, "orange"},
		{"201 for 47h is yellow", pieces(piece{47, 201}), 0, "yellow"},
		{"200 for 48h is yellow (> 150 for 48 h)", pieces(piece{48, 200}), 0, "yellow"},
		// orange, second alternative: > 150 for 72 h.
		{"151 for 72h is orange", pieces(piece{72, 151}), 0, "orange"},
		{"151 for 71h is yellow", pieces(piece{71, 151}), 0, "yellow"},
		{"150 for 72h is nothing", pieces(piece{72, 150}), 0, "none"},
		// red: > 200 for 72 h and > 300 for 24 h, both containing the instant.
		{"red", pieces(piece{24, 201}, piece{24, 301}, piece{24, 201}), 30, "red"},
		{"301 for 23h is orange", pieces(piece{24, 201}, piece{23, 301}, piece{25, 201}), 30, "orange"},
		{"300 for 24h is orange", pieces(piece{24, 201}, piece{24, 300}, piece{24, 201}), 30, "orange"},
		{"201 for 71h with 301 for 24h is orange", pieces(piece{24, 201}, piece{24, 301}, piece{23, 201}), 30, "orange"},
		// red is judged per instant: outside the > 300 run it is orange.
		{"red run over: orange", pieces(piece{24, 201}, piece{24, 301}, piece{24, 201}), 50, "orange"},
		// a run that has ended no longer counts.
		{"after the run", pieces(piece{48, 201}, piece{24, 100}), 50, "none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := NewRunSet(p, tc.ws)
			got := p.LevelID(p.LevelAt(rs, dec(1, 0).Add(time.Duration(tc.at)*time.Hour)))
			if got != tc.want {
				t.Errorf("level = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestTimingBoundaries: lead time, lift persistence, merge gap and forecast
// coverage, each one hour short and just enough.
func TestTimingBoundaries(t *testing.T) {
	p := jianghua(t)
	h := time.Hour
	clean := func(hrs int) []Window { return []Window{span(now0, hrs, 50)} }
	yellowDay := func(startH int) Window { return span(now0.Add(time.Duration(startH)*h), 24, 210) }
	yellowDayAt := func(t time.Time, startH int) Window { return span(t.Add(time.Duration(startH)*h), 24, 210) }
	at10 := dec(1, 10)
	active := &ActiveWarning{Level: 1, Since: now0.Add(-48 * h), EpisodeStart: now0.Add(-72 * h)}
	tests := []struct {
		name   string
		s      Situation
		action Action
		short  bool
		need   string
		nEp    int
	}{
		// Lead exactly 24 h is not short notice; 23 h is.
		{name: "lead 24h", s: Situation{Forecast: []Window{span(now0, 24, 50), yellowDay(24)}}, action: ActionIssue},
		{name: "lead 23h", s: Situation{Forecast: []Window{span(now0, 23, 50), yellowDay(23)}}, action: ActionIssue, short: true},
		// Lift (at a decision time): the next yellow 36 h away allows the
		// plan's condition, but the look-ahead veto (a window > 150 ending
		// by now + 72 h) turns it into a pause; 35 h away it is one episode.
		{name: "next run in 36h: pause", s: Situation{Now: at10, Active: active, Forecast: []Window{span(at10, 36, 50), yellowDayAt(at10, 36)}},
			action: ActionPause},
		{name: "next run in 35h: no lift", s: Situation{Now: at10, Active: active, Forecast: []Window{span(at10, 35, 50), yellowDayAt(at10, 35)}}},
		// Lift needs 36 h of forecast: 36 h is enough, 35 h asks for more.
		{name: "coverage 36h", s: Situation{Now: at10, Active: active, Forecast: []Window{span(at10, 36, 50)}}, action: ActionLift},
		{name: "coverage 35h", s: Situation{Now: at10, Active: active, Forecast: []Window{span(at10, 35, 50)}}, need: "lift"},
		// Outside the decision times a lift waits.
		{name: "lift waits for 10:00", s: Situation{Active: active, Forecast: clean(36)}},
		// Merge gap: runs 35 h apart are one episode, 36 h apart two.
		{name: "gap 35h: one episode", s: Situation{Forecast: []Window{yellowDay(0), span(now0.Add(24*h), 35, 50), yellowDay(59)}},
			action: ActionIssue, short: true, nEp: 1},
		{name: "gap 36h: two episodes", s: Situation{Forecast: []Window{yellowDay(0), span(now0.Add(24*h), 36, 50), yellowDay(60)}},
			action: ActionIssue, short: true, nEp: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.s.Now.IsZero() {
				tc.s.Now = now0
			}
			tc.s.Region = "jianghua"
			ev := Evaluate(p, tc.s)
			var got Action
			if ev.Proposal != nil {
				got = ev.Proposal.Action
				if ev.Proposal.ShortNotice != tc.short {
					t.Errorf("short notice = %v, want %v", ev.Proposal.ShortNotice, tc.short)
				}
			}
			if got != tc.action {
				t.Errorf("action = %q, want %q", got, tc.action)
			}
			if (ev.NeedForecast == nil) != (tc.need == "") {
				t.Errorf("need forecast = %+v, want %q", ev.NeedForecast, tc.need)
			}
			if tc.nEp != 0 && len(ev.Episodes) != tc.nEp {
				t.Errorf("episodes = %d, want %d", len(ev.Episodes), tc.nEp)
			}
		})
	}
}

// TestHealthNoticeBoundaries: each concentration limit just above and at its value.
func TestHealthNoticeBoundaries(t *testing.T) {
	p := jianghua(t)
	tests := []struct {
		name  string
		q     string
		v     float64
		start time.Time
		want  bool
	}{
		// PM10 24 h mean > 150.
		{"pm10 151", QuantityPM10_24h, 151, now0, true},
		{"pm10 150", QuantityPM10_24h, 150, now0, false},
		// PM2.5 24 h mean > 75.
		{"pm2.5 75.1", QuantityPM2_5_24h, 75.1, now0, true},
		{"pm2.5 75", QuantityPM2_5_24h, 75, now0, false},
		// O3 8 h mean > 160.
		{"o3 161", QuantityO3_8h, 161, now0, true},
		{"o3 160", QuantityO3_8h, 160, now0, false},
		// Only the next 24 h count: a period starting in 24 h is outside.
		{"beyond horizon", QuantityPM2_5_24h, 200, dec(2, 0), false},
		{"inside horizon", QuantityPM2_5_24h, 200, dec(1, 23), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := Evaluate(p, Situation{Now: now0, Region: "jianghua", Forecast: daily(100, 100),
				ForecastConc: []Concentrations{{Start: tc.start, End: tc.start.Add(24 * time.Hour), Values: map[string]float64{tc.q: tc.v}}}})
			got := ev.Proposal != nil && ev.Proposal.Action == ActionHealthNotice
			if got != tc.want {
				t.Errorf("health notice = %v, want %v", got, tc.want)
			}
		})
	}
	// Not when a warning is in force, nor when yellow is reached.
	for _, s := range []Situation{
		{Now: now0, Region: "jianghua", Forecast: daily(100, 100), Active: &ActiveWarning{Level: 1}},
		{Now: now0, Region: "jianghua", Forecast: daily(210, 100)},
	} {
		s.ForecastConc = []Concentrations{{Start: now0, End: dec(2, 0), Values: map[string]float64{QuantityPM10_24h: 400}}}
		if pr := Evaluate(p, s).Proposal; pr != nil && pr.Action == ActionHealthNotice {
			t.Errorf("health notice proposed with active=%v", s.Active)
		}
	}
}

// TestLevelMonotone is the property: raising any window's AQI never lowers
// the level at any instant.
func TestLevelMonotone(t *testing.T) {
	p := jianghua(t)
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := dec(1, 0)
	for trial := 0; trial < 500; trial++ {
		n := 3 + rng.IntN(12)
		ws := make([]Window, n)
		for i := range ws {
			start := t0.Add(time.Duration(rng.IntN(200)) * time.Hour)
			ws[i] = span(start, 1+rng.IntN(48), 100+rng.IntN(260))
		}
		raised := slices.Clone(ws)
		k := rng.IntN(n)
		raised[k].AQI += 1 + rng.IntN(150)

		before, after := NewRunSet(p, ws), NewRunSet(p, raised)
		// The level is constant between run boundaries: probing every
		// boundary of both run sets (and just before it) covers all pieces.
		var probes []time.Time
		for _, rs := range []RunSet{before, after} {
			for _, runs := range rs {
				for _, r := range runs {
					probes = append(probes, r.Start, r.End, r.End.Add(-time.Minute))
				}
			}
		}
		for _, at := range probes {
			if lb, la := p.LevelAt(before, at), p.LevelAt(after, at); la < lb {
				t.Fatalf("trial %d: raising window %d (%+v) lowered the level at %s from %d to %d", trial, k, ws[k], at, lb, la)
			}
		}
	}
}

// TestSecondPlan: the same data through the older 48/72/96-hour plan give
// different outcomes, because every number comes from the plan file.
func TestSecondPlan(t *testing.T) {
	county, city := jianghua(t), loadPlan(t, "example-48-72-96.yaml")
	tests := []struct {
		name         string
		forecast     []Window
		county, city string // proposed level ids ("" for none)
		countyShort  bool
		cityShort    bool
	}{
		// One day > 200: yellow in the county, nothing in the 48 h scheme.
		{"one day over 200", daily(100, 210, 100), "yellow", "", false, false},
		// Two days > 150 but not > 200: yellow in the county; 150 means nothing to the city.
		{"two days over 150", daily(100, 160, 170), "yellow", "", false, false},
		// Three days > 200 with one > 300: red in the county, orange (> 200 for 72 h) in the city.
		{"red vs orange", daily(210, 310, 230), "red", "orange", true, true},
		// A single day > 300 ahead: yellow in both.
		{"one day over 300", daily(100, 310, 100), "yellow", "yellow", false, false},
		// A day > 400: red in the city (> 400 for 24 h), yellow in the county.
		{"one day over 400", daily(100, 401, 100), "yellow", "red", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				p     *Plan
				want  string
				short bool
			}{{county, tc.county, tc.countyShort}, {city, tc.city, tc.cityShort}} {
				// At the decision time before: Dec 2 is 32 h ahead (not short
				// notice for either plan), Dec 1 is 8 h ahead (short for both).
				ev := Evaluate(c.p, Situation{Now: nov(30, 16), Region: c.p.Regions[0].ID, Forecast: tc.forecast})
				got := ""
				if ev.Proposal != nil {
					got = ev.Proposal.LevelID
				}
				if got != c.want {
					t.Errorf("%s: level %q, want %q", c.p.ID, got, c.want)
				}
			}
		})
	}

	// Lead 20 h: short notice under the county's 24 h, not under the city's 12 h.
	f := []Window{span(now0, 20, 50), span(now0.Add(20*time.Hour), 24, 320)}
	for _, c := range []struct {
		p     *Plan
		short bool
	}{{county, true}, {city, false}} {
		pr := Evaluate(c.p, Situation{Now: now0, Region: c.p.Regions[0].ID, Forecast: f}).Proposal
		if pr == nil || pr.ShortNotice != c.short {
			t.Errorf("%s: proposal %+v, want short=%v", c.p.ID, pr, c.short)
		}
	}

	// And the chains differ: the city's yellow is one bureau's signature.
	pr := Evaluate(city, Situation{Now: nov(30, 16), Region: "example-city", Forecast: daily(100, 310, 100)}).Proposal
	a, err := NewApproval(city, *pr)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Sign(city, "env_bureau", "li", now0, true, ""); err != nil || !a.Done() {
		t.Fatalf("city yellow after one signature: done=%v err=%v", a.Done(), err)
	}
	if _, err := NewApproval(county, Proposal{Key: "k", Action: ActionIssue, Level: 1}); err != nil {
		t.Fatal(err)
	}
}

// TestLookbackIsEnough: evaluating with only the observed windows ending
// after now − Lookback gives the same decision as the whole history, which
// is what lets a replay stay O(horizon) per hour.
func TestLookbackIsEnough(t *testing.T) {
	p := jianghua(t)
	rng := rand.New(rand.NewPCG(13, 14))
	series := syntheticAQI(rng, 24*50)
	t0 := time.Date(2016, 1, 1, 0, 0, 0, 0, cst)
	obs, base := windowsFrom(series, t0)
	var active *ActiveWarning
	lb := int(p.Lookback() / time.Hour)
	compared := 0
	actions := map[Action]int{}
	for i := 24 * 10; i < len(obs)-72; i++ {
		now := obs[i].End
		full := Situation{Now: now, Region: "r", Observed: obs[:i+1], Forecast: base[i+1 : i+73], Active: active}
		cut := full
		cut.Observed = obs[max(0, i+1-lb) : i+1]
		a, b := Evaluate(p, full), Evaluate(p, cut)
		if (a.Proposal == nil) != (b.Proposal == nil) {
			t.Fatalf("%s: full %+v, cut %+v", now, a.Proposal, b.Proposal)
		}
		if a.Proposal != nil {
			pa, pb := a.Proposal, b.Proposal
			if pa.Action != pb.Action || pa.Level != pb.Level || !pa.ExpectedEnd.Equal(pb.ExpectedEnd) ||
				(active != nil && pa.Key != pb.Key) {
				t.Fatalf("%s: full %s %d %s %s, cut %s %d %s %s", now, pa.Action, pa.Level, pa.ExpectedEnd, pa.Key,
					pb.Action, pb.Level, pb.ExpectedEnd, pb.Key)
			}
			compared++
			actions[pa.Action]++
		}
		active = apply(active, a.Proposal, now)
	}
	t.Logf("%d proposals compared: %v", compared, actions)
	for _, a := range []Action{ActionIssue, ActionUpgrade, ActionDowngrade, ActionLift} {
		if actions[a] == 0 {
			t.Errorf("no %s compared; the synthetic series is too clean", a)
		}
	}
}

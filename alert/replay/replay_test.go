package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/internal/testflags"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
)

var update = testflags.Update

const planFile = "../../configs/plans/jianghua-2024.yaml"

func loadPlan(t *testing.T) *alert.Plan {
	t.Helper()
	plan, err := alert.LoadPlan(filepath.FromSlash(planFile))
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// excerpt is the bundled Beijing excerpt: three stations, Aug 2013 and the
// Nov–Dec 2015 smog, six files.
func excerpt(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*.csv.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bundled Beijing data in testdata/%s: %v", dir, err)
	}
	return files
}

// replayFiles is what `aqwarn replay` does with files and options.
func replayFiles(t *testing.T, files []string, o Options) *Report {
	t.Helper()
	series, err := ReadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), loadPlan(t), series, o)
	if err != nil {
		t.Fatal(err)
	}
	rep.Files = len(files)
	return rep
}

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, aqi.CST)
	if err != nil {
		panic(err)
	}
	return t
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n%s", name, got)
	}
}

// The replay of the bundled excerpt against golden timelines, in both
// formats and with both kinds of forecast. cmd/aqwarn checks that the
// command prints the same bytes.
func TestReplayGolden(t *testing.T) {
	files := excerpt(t, "beijing")
	for _, tc := range []struct {
		golden string
		o      Options
		write  func(*Report, *bytes.Buffer) error
	}{
		{"replay-perfect.csv", Options{}, func(r *Report, b *bytes.Buffer) error { return r.WriteCSV(b) }},
		{"replay-perfect.json", Options{Forecast: "perfect"}, func(r *Report, b *bytes.Buffer) error { return r.WriteJSON(b) }},
		{"replay-persistence-2015.csv", Options{Forecast: ShapePersistence, From: day("2015-11-25"), To: day("2015-12-04")},
			func(r *Report, b *bytes.Buffer) error { return r.WriteCSV(b) }},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var out bytes.Buffer
			if err := tc.write(replayFiles(t, files, tc.o), &out); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.golden, out.Bytes())
		})
	}
}

// The 2015 smog must give a red warning, issued yellow at least a day
// ahead of its effective start and upgraded as the forecast shows more.
// The excerpt ends a day after the smog, so no forecast reaches 36 h past
// its end: the warning is still in force then (observations alone never
// lift).
func TestReplaySmogIsRed(t *testing.T) {
	rep := replayFiles(t, excerpt(t, "beijing"), Options{From: day("2015-11-25"), To: day("2015-12-04")})
	if len(rep.Warnings) != 1 {
		t.Fatalf("warnings %+v", rep.Warnings)
	}
	w := rep.Warnings[0]
	if w.Region != "replay" || w.Level != "red" || w.FirstLevel != "yellow" || w.End != nil || w.PeakAQI != 500 {
		t.Errorf("warning %+v", w)
	}
	if w.LeadHours < 24 {
		t.Errorf("lead %.0f h, want ≥ 24 h with a perfect forecast", w.LeadHours)
	}
	if len(w.Changes) == 0 || w.Changes[len(w.Changes)-1].Level != "red" || rep.Summary.Upgrades != len(w.Changes) {
		t.Errorf("changes %+v, summary %+v", w.Changes, rep.Summary)
	}
	if rep.Stations != 3 || rep.Summary.Warnings != 1 || rep.Summary.ByLevel["red"] != 1 || rep.Summary.Hours == 0 || rep.Summary.Hours > 9*24 {
		t.Errorf("report %d stations, summary %+v", rep.Stations, rep.Summary)
	}
	var text bytes.Buffer
	if err := WriteScorecard(&text, rep.Scorecard, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "events") || !strings.Contains(text.String(), "flips_48h") {
		t.Errorf("scorecard text:\n%s", text.String())
	}
}

// synthetic is four days of heavy smog (PM2.5 200 µg/m³, AQI 250) in clean
// air (60 µg/m³) over 20 days.
func synthetic() dataset.Series {
	t0 := time.Date(2016, 12, 1, 0, 0, 0, 0, aqi.CST)
	s := dataset.Series{Station: "synthetic", Start: t0}
	for h := 0; h < 24*20; h++ {
		v := aqi.MissingHour()
		v[aqi.PM25], v[aqi.PM10] = 60, 80
		if d := h / 24; d >= 5 && d < 9 {
			v[aqi.PM25], v[aqi.PM10] = 200, 250
		}
		s.Hours = append(s.Hours, v)
	}
	return s
}

// Replaying synthetic hours through the lifecycle: the smog makes one
// orange warning (> 200 for more than 48 h, nothing > 300), issued ahead
// with a perfect forecast and lifted; nothing is proposed twice.
func TestReplayLifecycleInvariants(t *testing.T) {
	rep, err := Run(context.Background(), loadPlan(t), []dataset.Series{synthetic()}, Options{Region: "r", Forecast: "perfect", Horizon: 72})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) != 1 || rep.Warnings[0].End == nil || rep.Warnings[0].Level != "orange" || rep.Warnings[0].PeakAQI != 250 {
		t.Fatalf("warnings %+v", rep.Warnings)
	}
	if w := rep.Warnings[0]; w.LeadHours < 24 || w.Region != "r" {
		t.Errorf("issued %.0f h ahead in %q, want ≥ 24 h with a perfect forecast in r", w.LeadHours, w.Region)
	}
	if sc := rep.Scorecard; sc == nil || sc.Events.Hits != 1 || sc.Events.FalseAlarms != 0 || sc.Churn.Flips48h != 0 {
		t.Errorf("scorecard %+v", sc)
	}
}

// Every shape runs the same smog; each names itself in the report. The
// persistence baseline alone fills every hour from the baseline, the
// others none; a degraded forecast is the same for the same seed.
func TestReplayShapes(t *testing.T) {
	plan := loadPlan(t)
	h := NewHistory([]dataset.Series{synthetic()}, plan.Window())
	for _, shape := range Shapes {
		rep, err := h.Run(context.Background(), plan, Options{Forecast: shape, Seed: 3})
		if err != nil {
			t.Fatalf("%s: %v", shape, err)
		}
		if rep.Forecast != shape || rep.Horizon != 72 || rep.Summary.Hours == 0 || rep.Summary.Warnings == 0 {
			t.Errorf("%s: report %+v", shape, rep)
		}
		if filled := rep.Summary.BaselineFilled; (shape == ShapePersistence) != (filled == rep.Summary.Hours) {
			t.Errorf("%s: %d of %d hours on the baseline", shape, filled, rep.Summary.Hours)
		}
		if shape == ShapeDegraded {
			again, err := h.Run(context.Background(), plan, Options{Forecast: shape, Seed: 3})
			if err != nil || !reflect.DeepEqual(again, rep) {
				t.Errorf("degraded seed 3 differs between runs: %v", err)
			}
		}
	}
	if _, err := h.Run(context.Background(), plan, Options{Forecast: "oracle"}); err == nil {
		t.Error("an unknown shape ran")
	}
	if s, ok := Shape("perfect"); !ok || s != ShapePerfectHourly {
		t.Errorf(`Shape("perfect") = %q %v`, s, ok)
	}
}

// No data: an empty report, warnings an empty list (JSON []), no scorecard.
func TestReplayEmpty(t *testing.T) {
	rep, err := Run(context.Background(), loadPlan(t), nil, Options{})
	if err != nil || rep.Warnings == nil || len(rep.Warnings) != 0 || rep.Summary.Hours != 0 || rep.Region != "replay" {
		t.Fatalf("%+v %v", rep, err)
	}
}

// With approval delays, proposals wait to be signed: the smog's warning is
// published later than with auto-approval, by at least its first level's
// delay, and the approvals are counted on the scorecard.
func TestReplayApprovalDelay(t *testing.T) {
	plan := loadPlan(t)
	h := NewHistory([]dataset.Series{synthetic()}, plan.Window())
	at := func(delay map[string]time.Duration) Warning {
		rep, err := h.Run(context.Background(), plan, Options{ApprovalDelay: delay})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Warnings) != 1 {
			t.Fatalf("delay %v: warnings %+v", delay, rep.Warnings)
		}
		return rep.Warnings[0]
	}
	now := at(nil)
	delay, err := ParseDelays("yellow=5h, orange=5h,red=5h", plan)
	if err != nil {
		t.Fatal(err)
	}
	late := at(delay)
	if d := late.Start.Sub(now.Start); d < 5*time.Hour {
		t.Errorf("published %s later with a 5 h approval delay (%s, at once %s)", d, late.Start, now.Start)
	}
	if late.Level != now.Level {
		t.Errorf("level %s with the delay, %s without", late.Level, now.Level)
	}
}

func TestReplayParseDelays(t *testing.T) {
	plan := loadPlan(t)
	got, err := ParseDelays("yellow=2h,orange=90m, red=0s", plan)
	want := map[string]time.Duration{"yellow": 2 * time.Hour, "orange": 90 * time.Minute, "red": 0}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseDelays = %v, %v", got, err)
	}
	if got, err := ParseDelays("", plan); got != nil || err != nil {
		t.Errorf("empty: %v %v", got, err)
	}
	for s, msg := range map[string]string{
		"orange":       `replay: --approval-delay "orange": want level=duration, e.g. orange=4h`,
		"purple=2h":    `replay: --approval-delay: "purple" is not a level of plan jianghua-2024`,
		"none=2h":      `replay: --approval-delay: "none" is not a level of plan jianghua-2024`,
		"orange=soon":  `replay: --approval-delay orange: "soon" is not a duration`,
		"orange=-1h":   `replay: --approval-delay orange: "-1h" is not a duration`,
		"yellow=1h,,x": `replay: --approval-delay "": want level=duration, e.g. orange=4h`,
	} {
		if _, err := ParseDelays(s, plan); err == nil || err.Error() != msg {
			t.Errorf("%q: %v, want %s", s, err, msg)
		}
	}
}

// Pieces of one station are joined in one series, the gap between them
// missing, the later file winning where they overlap.
func TestReplayReadFilesJoinsStations(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "beijing", "PRSA_Data_Dongsi_*.csv.gz"))
	if len(files) != 2 {
		t.Fatalf("Dongsi files %v", files)
	}
	ss, err := ReadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	// 2013-08-12 01:00 … 2015-12-03 00:00 is 20,232 hours.
	if len(ss) != 1 || ss[0].Station != "Dongsi" || len(ss[0].Hours) != 20232 {
		t.Fatalf("%d series, %d hours", len(ss), len(ss[0].Hours))
	}
	if i, ok := ss[0].Index(day("2014-06-01")); !ok || !allNaN(ss[0].Hours[i]) {
		t.Errorf("the gap is not missing: %v %v", ok, ss[0].Hours[i])
	}
	if _, err := ReadFiles([]string{"no-such-file.csv"}); err == nil {
		t.Error("a missing file read")
	}

	t0 := day("2020-01-01")
	hour := func(v float64) aqi.Hour { h := aqi.MissingHour(); h[aqi.PM25] = v; return h }
	a := dataset.Series{Station: "x", Start: t0, Hours: []aqi.Hour{hour(1), hour(2), hour(3)}}
	b := dataset.Series{Station: "x", Start: t0.Add(2 * time.Hour), Hours: []aqi.Hour{hour(30), hour(40)}}
	js, err := dataset.Join([]dataset.Series{a, b}, dataset.LaterWins)
	if err != nil || len(js) != 1 {
		t.Fatalf("joined %v, %v", js, err)
	}
	j := js[0]
	var got []float64
	for _, h := range j.Hours {
		got = append(got, h[aqi.PM25])
	}
	if !j.Start.Equal(t0) || !reflect.DeepEqual(got, []float64{1, 2, 30, 40}) {
		t.Errorf("joined %v from %v", got, j.Start)
	}
}

func allNaN(h aqi.Hour) bool {
	for _, v := range h {
		if !math.IsNaN(v) {
			return false
		}
	}
	return true
}

// The region's hour is the station means per pollutant; its windows are
// the rolling daily AQI of those means, one per hour from the 24th on.
func TestReplayHistoryIsStationMeans(t *testing.T) {
	t0 := day("2016-12-01")
	mk := func(name string, v float64) dataset.Series {
		s := dataset.Series{Station: name, Start: t0}
		for range 48 {
			h := aqi.MissingHour()
			h[aqi.PM25] = v
			s.Hours = append(s.Hours, h)
		}
		return s
	}
	h := NewHistory([]dataset.Series{mk("a", 100), mk("b", 200)}, 24*time.Hour)
	ws := h.Windows()
	if len(ws) == 0 || len(ws) > 48 {
		t.Fatalf("%d windows", len(ws))
	}
	// A daily PM2.5 of 150 µg/m³ is AQI 200; of 100 it would be 132, of 200 250.
	last := ws[len(ws)-1]
	if last.AQI != 200 || !last.End.Equal(t0.Add(47*time.Hour)) || last.End.Sub(last.Start) != 24*time.Hour || last.Source != alert.SourceObserved {
		t.Errorf("last window %+v", last)
	}
}

// The scorecard file is JSON when its name ends in .json (the report's
// scorecard, decoded back), else the text.
func TestReplayScorecardFile(t *testing.T) {
	rep, err := Run(context.Background(), loadPlan(t), []dataset.Series{synthetic()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteScorecardFile(filepath.Join(dir, "sc.json"), rep.Scorecard); err != nil {
		t.Fatal(err)
	}
	if err := WriteScorecardFile(filepath.Join(dir, "sc.txt"), rep.Scorecard); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "sc.json"))
	var back alert.Scorecard
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	want, _ := json.Marshal(rep.Scorecard)
	if got, _ := json.Marshal(back); !bytes.Equal(got, want) {
		t.Errorf("scorecard JSON round trip:\n%s\nwant\n%s", got, want)
	}
	var text bytes.Buffer
	rep.Scorecard.WriteText(&text)
	if b, _ := os.ReadFile(filepath.Join(dir, "sc.txt")); !bytes.Equal(b, text.Bytes()) {
		t.Errorf("sc.txt is not the text scorecard:\n%s", b)
	}
	if err := WriteScorecardFile(filepath.Join(dir, "no", "sc.txt"), rep.Scorecard); err == nil {
		t.Error("wrote into a missing directory")
	}
}

// Case 37 of spec/warning-scenarios.md: a year (Beijing Dongsi and Tiantan,
// 2014-03 .. 2015-02) with a perfect hourly forecast. Nothing may churn:
// no level flip L → L′ → L within 48 h, no re-issue within 6 h of a lift,
// no downgrade within 24 h of the previous level change.
func TestScenario37YearWithoutChurn(t *testing.T) {
	files := excerpt(t, "beijing-year")
	if len(files) != 2 {
		t.Fatalf("the bundled year: %v", files)
	}
	rep := replayFiles(t, files, Options{Forecast: ShapePerfectHourly})
	c := rep.Scorecard.Churn
	if rep.Scorecard.Events.Episodes < 10 {
		t.Fatalf("only %d episodes in the year: the data did not load", rep.Scorecard.Events.Episodes)
	}
	if c.Flips48h != 0 || c.Reissues6h != 0 || c.ShortDwells != 0 {
		var text bytes.Buffer
		rep.Scorecard.WriteText(&text)
		t.Errorf("churn over the year: %d flips within 48 h, %d re-issues within 6 h, %d downgrades within 24 h\n%s",
			c.Flips48h, c.Reissues6h, c.ShortDwells, text.String())
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
)

var updateReplay = flag.Bool("update-replay", false, "rewrite the replay golden files")

func replayArgs(t *testing.T, extra ...string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "beijing", "*.csv.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bundled Beijing excerpt: %v", err)
	}
	args := []string{"replay", "--plan", filepath.Join("..", "..", "configs", "plans", "jianghua-2024.yaml"), "--csv"}
	args = append(args, files...) // as a shell glob would pass them
	return append(args, extra...)
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateReplay {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-replay to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update-replay after checking):\n%s", name, got)
	}
}

// The replay of the bundled excerpt (three stations, Aug 2013 and the
// Nov–Dec 2015 smog) against golden timelines, in both formats and with
// both kinds of forecast.
func TestReplayGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		extra  []string
	}{
		{"replay-perfect.csv", []string{"--format", "csv"}},
		{"replay-perfect.json", []string{"--format", "json"}},
		{"replay-persistence-2015.csv", []string{"--forecast", "persistence", "--from", "2015-11-25", "--to", "2015-12-04", "--format", "csv"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), replayArgs(t, tc.extra...), nil, nil, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			checkGolden(t, tc.golden, stdout.Bytes())
		})
	}
}

// The 2015 smog must give a red warning, issued yellow at least a day
// ahead of its effective start and upgraded at once as the forecast shows
// more. The excerpt ends a day after the smog, so no forecast reaches 36 h
// past its end: the warning is still in force then (observations alone
// never lift).
func TestReplaySmogIsRed(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), replayArgs(t, "--from", "2015-11-25", "--to", "2015-12-04"), nil, nil, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "replay,red,yellow,") || !strings.Contains(lines[1], ",no,500,") {
		t.Fatalf("timeline:\n%s", stdout.String())
	}
	f := strings.Split(lines[1], ",")
	if lead, _ := strconv.Atoi(f[7]); lead < 24 {
		t.Errorf("lead %d h, want ≥ 24 h with a perfect forecast:\n%s", lead, lines[1])
	}
	if !strings.Contains(stderr.String(), "events") || !strings.Contains(stderr.String(), "flips_48h") {
		t.Errorf("no scorecard on stderr:\n%s", stderr.String())
	}
}

func TestReplayFlags(t *testing.T) {
	for _, args := range [][]string{
		{"replay"},
		{"replay", "--csv", "x.csv", "--forecast", "oracle"},
		{"replay", "--csv", "x.csv", "--format", "xml"},
		{"replay", "--csv", "x.csv", "--from", "1 Dec"},
		{"replay", "--csv", "x.csv", "--horizon", "12"},
		{"replay", "--csv", "x.csv", "--approval-delay", "purple=2h"},
		{"replay", "--csv", "x.csv", "--approval-delay", "orange=soon"},
	} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, nil, nil, &out, &errb); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	got := gatherFiles([]string{"--plan", "p", "--csv", "a", "b", "c", "--format", "json"})
	want := "--plan p --csv a --csv b --csv c --format json"
	if strings.Join(got, " ") != want {
		t.Errorf("gatherFiles = %v", got)
	}
}

// Replaying synthetic hours through the lifecycle: four days of heavy
// smog (PM2.5 200 µg/m³, AQI 250) in clean air (60 µg/m³) make one orange
// warning (> 200 for more than 48 h, nothing > 300), issued ahead with a
// perfect forecast and lifted; nothing is proposed twice.
func TestReplayLifecycleInvariants(t *testing.T) {
	plan, err := alert.LoadPlan(filepath.Join("..", "..", "configs", "plans", "jianghua-2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
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
	rep, err := replay(context.Background(), plan, "r", regionHistoryOf([]dataset.Series{s}, plan.Window()), replayOptions{Forecast: "perfect", Horizon: 72})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) != 1 || rep.Warnings[0].End == nil || rep.Warnings[0].Level != "orange" || rep.Warnings[0].PeakAQI != 250 {
		t.Fatalf("warnings %+v", rep.Warnings)
	}
	if w := rep.Warnings[0]; w.LeadHours < 24 {
		t.Errorf("issued %.0f h ahead, want ≥ 24 h with a perfect forecast", w.LeadHours)
	}
	if sc := rep.Scorecard; sc == nil || sc.Events.Hits != 1 || sc.Events.FalseAlarms != 0 || sc.Churn.Flips48h != 0 {
		t.Errorf("scorecard %+v", sc)
	}
}

// Case 37 of spec/warning-scenarios.md: a year (Beijing Dongsi and Tiantan,
// 2014-03 .. 2015-02) with a perfect hourly forecast. Nothing may churn:
// no level flip L → L′ → L within 48 h, no re-issue within 6 h of a lift,
// no downgrade within 24 h of the previous level change.
func TestScenario37YearWithoutChurn(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "beijing-year", "*.csv.gz"))
	if err != nil || len(files) != 2 {
		t.Fatalf("the bundled year: %v %v", files, err)
	}
	args := append([]string{"replay", "--plan", filepath.Join("..", "..", "configs", "plans", "jianghua-2024.yaml"),
		"--forecast", "perfect-hourly", "--format", "json", "--csv"}, files...)
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, nil, nil, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	c := rep.Scorecard.Churn
	if rep.Scorecard.Events.Episodes < 10 {
		t.Fatalf("only %d episodes in the year: the data did not load", rep.Scorecard.Events.Episodes)
	}
	if c.Flips48h != 0 || c.Reissues6h != 0 || c.ShortDwells != 0 {
		t.Errorf("churn over the year: %d flips within 48 h, %d re-issues within 6 h, %d downgrades within 24 h\n%s",
			c.Flips48h, c.Reissues6h, c.ShortDwells, stderr.String())
	}
}

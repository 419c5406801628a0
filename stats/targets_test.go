package stats

import (
	"errors"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/aqwarn/aqwarn"
)

// planRegions reads the region ids of the county plan the targets name.
func planRegions(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../configs/plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		Regions []struct {
			ID string `yaml:"id"`
		} `yaml:"regions"`
	}
	if err := yaml.Unmarshal(b, &plan); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range plan.Regions {
		ids = append(ids, r.ID)
	}
	return ids
}

// The shipped targets load against the plan's regions and say what they mean.
func TestShippedTargetsLoad(t *testing.T) {
	b, err := os.ReadFile("../configs/targets/jianghua-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := ParseTargets(b, Refs{Regions: planRegions(t)})
	if err != nil {
		t.Fatal(err)
	}
	if ts.Year != 2026 || !ts.Illustrative {
		t.Errorf("year %d illustrative %v", ts.Year, ts.Illustrative)
	}
	list := ts.List()
	kinds := map[TargetKind]int{}
	for _, tg := range list {
		kinds[tg.Kind]++
		if tg.TextZH == "" || tg.TextEN == "" {
			t.Errorf("%s %s: no plain-words text", tg.Scope.ID, tg.Kind)
		}
	}
	if kinds[KindGoodDayRatio] != 2 || kinds[KindPM25AnnualMean] != 2 || kinds[KindHeavyDays] != 1 || kinds[KindHeavyDaysReduction] != 1 {
		t.Errorf("targets %v", kinds)
	}
	if got := list[0].TextEN; got != "Jianghua County, 2026: at least 95 % of the year's valid days are excellent or good (AQI 100 or below)." {
		t.Errorf("text %q", got)
	}
	// The reduction of 1 on last year's 2 allows 1.
	if r := list[3]; r.Kind != KindHeavyDaysReduction || r.Limit != 1 || !strings.Contains(r.TextZH, "比上年（2天）至少减少1天") {
		t.Errorf("reduction %+v", r)
	}
}

// A bad file is refused with every problem and its line, in one error that
// unwraps to the service's EINVALID.
func TestParseTargetsProblems(t *testing.T) {
	src := `id: t
year: 1999
scopes:
  - scope: town
    id: nowhere
    good_day_ratio_pct: 101
    pm25_annual_max: 0
  - scope: region
    id: jianghua
    heavy_days_max: -1
    heavy_days_reduction: {by: 0, last_year: 3}
  - scope: region
    id: jianghua
    good_day_ratio: 95
  - scope: region
    id: tuojiang
    heavy_days_reduction: {by: 4, last_year: 3}
  - scope: station
    id: s1
`
	_, err := ParseTargets([]byte(src), Refs{Regions: []string{"jianghua", "tuojiang"}, Stations: []string{"s2"}})
	var te *TargetsError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		`line 14: field good_day_ratio not found`, // a misspelt key
		`line 2: year: 1999`,
		`line 4: scopes[0].scope: "town", want region or station`,
		`line 6: scopes[0].good_day_ratio_pct: 101`,
		`line 7: scopes[0].pm25_annual_max: 0`,
		`line 10: scopes[1].heavy_days_max: -1`,
		`line 11: scopes[1].heavy_days_reduction.by: 0`,
		`line 13: scopes[2]: region jianghua already has targets in scopes[1]`,
		`line 12: scopes[2]: no target set`,
		`line 17: scopes[3].heavy_days_reduction: 4 fewer than last year's 3 cannot be met`,
		`line 19: scopes[4].id: "s1" is not a configured station`,
		`line 18: scopes[4]: no target set`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in\n%s", w, msg)
		}
	}
	if len(te.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(te.Problems), len(want), msg)
	}
	if aqwarn.ErrorCode(err) != aqwarn.EINVALID {
		t.Errorf("code %q", aqwarn.ErrorCode(err))
	}
	// An empty file and a syntax error are refused too.
	for _, bad := range []string{"", "id: [", "# only a comment\n"} {
		if _, err := ParseTargets([]byte(bad), Refs{}); err == nil {
			t.Errorf("%q loaded", bad)
		}
	}
}

package compliance_test

import (
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/reduction"
)

func inventory(t *testing.T, path string) *compliance.Inventory {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := compliance.ParseInventory(b)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

var winter = time.Date(2026, time.February, 25, 18, 0, 0, 0, aqi.CST)

// TestAccounting is notes §7 acceptance 3: with the synthetic inventory
// the yellow measures reach ≥ 10 % of all four pollutants, orange misses
// VOCs, and the result says which, by how much and who is left.
func TestAccounting(t *testing.T) {
	a := params(t).Accounting.Account(scenarioList(t), inventory(t, "testdata/inventory-synthetic.yaml"), winter)
	level := func(id string) compliance.LevelAccount {
		for _, l := range a.Levels {
			if l.Level == id {
				return l
			}
		}
		t.Fatalf("no level %s", id)
		return compliance.LevelAccount{}
	}
	y := level("yellow")
	if !y.Met {
		t.Errorf("yellow not met: %+v", y.Pollutants)
	}
	for _, p := range y.Pollutants {
		if p.AchievedPct < 10 || !p.Met || p.RequiredPct != 10 {
			t.Errorf("yellow %s: %.1f %% of 10 %%", p.Pollutant, p.AchievedPct)
		}
	}
	o := level("orange")
	if o.Met {
		t.Error("orange met, want VOCs short")
	}
	for _, p := range o.Pollutants {
		if p.Pollutant != "VOCs" {
			if !p.Met {
				t.Errorf("orange %s: %.1f %%, want ≥ 20", p.Pollutant, p.AchievedPct)
			}
			continue
		}
		// VOCs: 31.64 t/a of 180 is 17.6 %, 2.4 points (4.36 t/a) short.
		if p.Met || p.AchievedPct != 17.6 || p.ShortfallPct != 2.4 || math.Abs(p.ShortfallT-4.36) > 1e-9 {
			t.Errorf("orange VOCs: achieved %.1f %%, short %.1f points, %.3f t/a; want 17.6, 2.4, 4.36", p.AchievedPct, p.ShortfallPct, p.ShortfallT)
		}
		if len(p.Missing) == 0 || p.Missing[0].Source != "sc-coat" || p.Missing[0].Left != 28 {
			t.Errorf("orange VOCs missing %+v, want sc-coat (28 t/a left) first", p.Missing)
		}
		for _, s := range []string{"VOCs", "17.6", "20.0", "2.4", "4.36", "sc-coat"} {
			if !strings.Contains(p.TextZH, s) || !strings.Contains(p.TextEN, s) {
				t.Errorf("orange VOCs text does not say %s:\n%s\n%s", s, p.TextZH, p.TextEN)
			}
		}
	}
	if !level("red").Met {
		t.Error("red not met")
	}
	// The grade-A firm reduces by itself: not quantified, and said.
	if !slices.Equal(y.Unquantified, []string{"sc-both"}) {
		t.Errorf("unquantified %v, want [sc-both]", y.Unquantified)
	}
}

// TestSourceCut checks the model on single sources.
func TestSourceCut(t *testing.T) {
	acc := params(t).Accounting
	two := []reduction.Unit{
		{ID: "l1", Kind: reduction.UnitProduction, NameZH: "1", Capacity: reduction.Capacity{Design: 60, Unit: "t/d"}},
		{ID: "l2", Kind: reduction.UnitProduction, NameZH: "2", Capacity: reduction.Capacity{Design: 40, Unit: "t/d"}},
		{ID: "bag", Kind: reduction.UnitTreatment, NameZH: "bag"},
	}
	noCap := []reduction.Unit{{ID: "l1", Kind: reduction.UnitProduction, NameZH: "1"}, {ID: "l2", Kind: reduction.UnitProduction, NameZH: "2"},
		{ID: "l3", Kind: reduction.UnitProduction, NameZH: "3"}, {ID: "l4", Kind: reduction.UnitProduction, NameZH: "4"}}
	for _, tc := range []struct {
		name     string
		units    []reduction.Unit
		measures []reduction.Measure
		source   string
		want     float64 // NOx cut, t/a, of a base of 100
	}{
		// A stop of the firm as a whole: all of it.
		{"firm stop", nil, []reduction.Measure{{Level: "orange", Action: "stop_unit", TextZH: "停"}}, "industrial", 100},
		// A stop of the larger of two lines: its share by capacity.
		{"line stop by capacity", two, []reduction.Measure{{Level: "orange", Action: "stop_unit", TargetUnits: []string{"l1"}, TextZH: "停"}}, "industrial", 60},
		// Without capacities: by the number of lines.
		{"line stop by count", noCap, []reduction.Measure{{Level: "orange", Action: "stop_unit", TargetUnits: []string{"l1"}, TextZH: "停"}}, "industrial", 25},
		// Limit 30 % on the whole: 30.
		{"limit", two, []reduction.Measure{{Level: "orange", Action: "limit_pct", Value: 30, TextZH: "限"}}, "industrial", 30},
		// Stop one line and limit the other by 50 %: 60 + 20.
		{"stop and limit", two, []reduction.Measure{{Level: "orange", Action: "stop_unit", TargetUnits: []string{"l1"}, TextZH: "停"},
			{Level: "orange", Action: "limit_pct", Value: 50, TargetUnits: []string{"l2"}, TextZH: "限"}}, "industrial", 80},
		// A cap of line 1 (60 t/d, 60 % of the base) at 45 t/d: a quarter of its share, 15.
		{"cap", two, []reduction.Measure{{Level: "orange", Action: "cap_indicator", Value: 45, TargetUnits: []string{"l1"}, TextZH: "限",
			KeyIndicator: &reduction.KeyIndicator{NameZH: "产量", Unit: "t/d"}}}, "industrial", 15},
		// The list's own expected cut (kg/d) wins: 100 kg/d is 36.5 t/a.
		{"list figure", two, []reduction.Measure{{Level: "orange", Action: "stop_unit", TargetUnits: []string{"l1"}, TextZH: "停",
			ExpectedCutKgD: &reduction.Pollutants{NOx: 100}}}, "industrial", 36.5},
		// A site stopping its earthworks: action_cut_pct (100).
		{"site", nil, []reduction.Measure{{Level: "orange", Action: "stop_earthworks", TextZH: "停"}}, "dust_construction", 100},
		// A truck ban is not quantified.
		{"truck ban", nil, []reduction.Measure{{Level: "orange", Action: "hdv_ban_cn4", TextZH: "禁"}}, "mobile_bulk", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := reduction.Enterprise{ID: "x", NameZH: "x", SourceType: tc.source, Status: "producing", Grade: "D", Units: tc.units, Measures: tc.measures}
			e.EmissionsBase.NOx = 100
			l := &reduction.List{ID: "t", Enterprises: []reduction.Enterprise{e}}
			inv := &compliance.Inventory{ID: "i", Sectors: []compliance.Sector{{ID: "all", Pollutants: reduction.Pollutants{SO2: 1, NOx: 1000, PM: 1, VOCs: 1}}}}
			a := acc.Account(l, inv, winter)
			got := a.Levels[1].Sources[0].Cut.NOx
			if a.Levels[1].Level != "orange" || math.Abs(got-tc.want) > 1e-6 {
				t.Errorf("%s: NOx cut %v t/a, want %v", a.Levels[1].Level, got, tc.want)
			}
		})
	}
}

// TestInventoryRefused: the inventory is read strictly, with lines.
func TestInventoryRefused(t *testing.T) {
	b, _ := os.ReadFile("../configs/compliance/inventory-jianghua.yaml")
	good := string(b)
	if _, err := compliance.ParseInventory(b); err != nil {
		t.Fatalf("shipped inventory: %v", err)
	}
	for _, tc := range []struct{ name, old, new, want string }{
		// A misspelt pollutant.
		{"typo", "so2: 500,", "so3: 500,", "field so3 not found"},
		// A negative amount.
		{"negative", "nox: 900,", "nox: -900,", "sectors[1].nox: -900"},
		// A sector twice.
		{"duplicate", "{id: other,", "{id: dust,", `duplicate id "dust"`},
	} {
		_, err := compliance.ParseInventory([]byte(strings.Replace(good, tc.old, tc.new, 1)))
		var ce *compliance.ConfigError
		if !errors.As(err, &ce) || !slices.ContainsFunc(ce.Problems, func(p string) bool { return strings.HasPrefix(p, "line ") && strings.Contains(p, tc.want) }) {
			t.Errorf("%s: %v, want a problem with its line and %q", tc.name, err, tc.want)
		}
	}
}

// TestDemoAccounting: the demo list accounts against the illustrative
// inventory without error, every level and pollutant present.
func TestDemoAccounting(t *testing.T) {
	a := params(t).Accounting.Account(demoList(t), inventory(t, "../configs/compliance/inventory-jianghua.yaml"), time.Date(2026, time.December, 15, 10, 0, 0, 0, aqi.CST))
	if len(a.Levels) != 3 {
		t.Fatalf("%d levels", len(a.Levels))
	}
	for _, l := range a.Levels {
		if len(l.Pollutants) != 4 || len(l.Sources) != 30 {
			t.Errorf("%s: %d pollutants, %d sources", l.Level, len(l.Pollutants), len(l.Sources))
		}
	}
}

// demoList is the demo's reduction list, validated against the county plan.
func demoList(t *testing.T) *reduction.List {
	t.Helper()
	scenarioList(t) // loads the plan
	b, err := os.ReadFile("../configs/reduction/jianghua-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := configs.ParseListFor(plan, b)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

package reduction

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/internal/testflags"
)

var update = testflags.Update

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the resolver's output; run go test ./reduction/ -update and review the diff", path)
	}
}

// Resolve over the demo list, per level, matches the reviewed goldens
// (notes acceptance 2); resolve-o3 is an O3-driven orange warning.
func TestResolveGolden(t *testing.T) {
	l := demo(t)
	for _, tc := range []struct{ file, level, primary string }{
		{"resolve-pre.golden.json", LevelPre, "pm25"},
		{"resolve-yellow.golden.json", LevelYellow, "pm25"},
		{"resolve-orange.golden.json", LevelOrange, "pm25"},
		{"resolve-red.golden.json", LevelRed, "pm25"},
		{"resolve-o3.golden.json", LevelOrange, "o3_8h"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := json.MarshalIndent(l.Resolve(tc.level, tc.primary, goldenNow), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, append(b, '\n'))
		})
	}
}

// The rules of resolution on the demo list's special sources (notes §7 and
// acceptance 2), at goldenNow with a PM2.5-driven warning unless said.
func TestResolveRules(t *testing.T) {
	l := demo(t)
	at := func(level, primary string) []Instruction { return l.Resolve(level, primary, goldenNow) }
	production := func(ms []ResolvedMeasure) (out []ResolvedMeasure) {
		for _, m := range ms {
			if m.Action == ActionStopUnit || m.Action == ActionStopProcess || m.Action == ActionLimitPct || m.Action == ActionCapIndicator {
				out = append(out, m)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		check func(t *testing.T)
	}{
		// An A firm reduces by itself at every warning level, by rule.
		{"A self-determined", func(t *testing.T) {
			for _, lv := range []string{LevelYellow, LevelOrange, LevelRed} {
				ms := instruction(t, at(lv, "pm25"), "cem-a").Measures
				if len(ms) != 1 || ms[0].Action != ActionSelfDetermined || ms[0].Origin != "default:cement_clinker/A" {
					t.Errorf("%s: %+v", lv, ms)
				}
			}
		}},
		// An unrated coating firm gets the coating table's lowest grade, D.
		{"unrated coating is D", func(t *testing.T) {
			ms := instruction(t, at(LevelYellow, "pm25"), "coat-u").Measures
			if len(ms) != 1 || ms[0].Action != ActionStopProcess || ms[0].Origin != "default:coating/D" {
				t.Errorf("%+v", ms)
			}
		}},
		// The heating boiler is never stopped or limited, and says why.
		{"heating not stopped", func(t *testing.T) {
			ins := instruction(t, at(LevelRed, "pm25"), "heat-1")
			if p := production(ins.Measures); len(p) != 0 {
				t.Errorf("stop/limit for heating: %+v", p)
			}
			if ins.Exempt == nil || ins.Exempt.Kind != ExemptHeating || ins.Exempt.ReasonZH == "" {
				t.Errorf("exempt = %+v", ins.Exempt)
			}
			if len(ins.Measures) != 1 || ins.Measures[0].Action != ActionCustom {
				t.Errorf("its own non-stop measure should stay: %+v", ins.Measures)
			}
		}},
		// The guarantee firm is capped at its approved 70 % load: one limit of
		// 30 % from yellow, never a stop, 105 of its 150 t/d base.
		{"guarantee capped", func(t *testing.T) {
			for _, lv := range []string{LevelYellow, LevelRed} {
				ins := instruction(t, at(lv, "pm25"), "food-g")
				p := production(ins.Measures)
				if len(p) != 1 || p[0].Action != ActionLimitPct || p[0].Value != 30 || p[0].Origin != "guarantee:livelihood" ||
					p[0].KeyIndicator == nil || p[0].KeyIndicator.Limit != 105 {
					t.Errorf("%s: %+v", lv, p)
				}
				if ins.Exempt == nil || ins.Exempt.Kind != ExemptGuarantee {
					t.Errorf("%s: exempt = %+v", lv, ins.Exempt)
				}
			}
			if ms := instruction(t, at(LevelPre, "pm25"), "food-g").Measures; len(ms) != 0 {
				t.Errorf("pre: no cap below yellow, got %+v", ms)
			}
		}},
		// Cement B at orange: cut 20 % of min(design 4000, permit 3800, last
		// year 3500) = 3500 t/d, so at most 2800 t/d, and the HDV ban.
		{"cement B orange", func(t *testing.T) {
			ms := instruction(t, at(LevelOrange, "pm25"), "cem-b").Measures
			if len(ms) != 2 {
				t.Fatalf("%+v", ms)
			}
			k := ms[0].KeyIndicator
			if ms[0].Action != ActionLimitPct || ms[0].Value != 20 || k == nil || k.Base != 3500 || k.Limit != 2800 || k.Unit != "t/d" ||
				ms[0].Origin != "default:cement_clinker/B" || strings.Join(ms[0].Targets, ",") != "kiln1" {
				t.Errorf("limit = %+v, key indicator %+v", ms[0], k)
			}
			if ms[1].Action != ActionHDVBanCN4 || ms[1].Level != LevelOrange {
				t.Errorf("HDV ban = %+v", ms[1])
			}
		}},
		// Red supersedes orange on the same target: the stop replaces the
		// 20 % limit, and the HDV ban is there once.
		{"red supersedes", func(t *testing.T) {
			ms := instruction(t, at(LevelRed, "pm25"), "cem-b").Measures
			if len(ms) != 2 || ms[0].Action != ActionStopUnit || ms[0].Level != LevelRed || ms[1].Action != ActionHDVBanCN4 {
				t.Errorf("%+v", ms)
			}
		}},
		// On a tie the firm's own measure stays: coat-c's orange stop of its
		// spraying line (with its responsible person) is not displaced by
		// the C row's equal red stop.
		{"tie keeps the firm's own", func(t *testing.T) {
			ms := instruction(t, at(LevelRed, "pm25"), "coat-c").Measures
			if len(ms) != 1 || ms[0].Origin != OriginList || ms[0].Level != LevelOrange || ms[0].Responsible == nil {
				t.Errorf("%+v", ms)
			}
		}},
		// An O3-driven warning pushes no list measures; industrial sources
		// with VOCs or NOx emissions get the watch tag, dust sites do not.
		{"O3 watch", func(t *testing.T) {
			for _, ins := range at(LevelRed, "o3_8h") {
				if len(ins.Measures) != 0 {
					t.Errorf("%s: measures %+v under O3", ins.Source, ins.Measures)
				}
			}
			if w := instruction(t, at(LevelOrange, "o3"), "coat-c").Watch; len(w) != 1 || w[0] != WatchVOCsNOx {
				t.Errorf("coat-c watch = %v", w)
			}
			if w := instruction(t, at(LevelOrange, "o3"), "site-1").Watch; len(w) != 0 {
				t.Errorf("site-1 watch = %v", w)
			}
		}},
		// An expired grade counts as unrated: coat-x's B ended 2026-11-30, so
		// in December it takes coating D; on 30 November it was still B.
		{"expired grade", func(t *testing.T) {
			ins := instruction(t, at(LevelOrange, "pm25"), "coat-x")
			if ins.Grade != GradeUnrated || !strings.Contains(ins.GradeNote, "expired") || ins.Measures[0].Origin != "default:coating/D" {
				t.Errorf("December: %+v", ins)
			}
			nov30 := time.Date(2026, time.November, 30, 23, 0, 0, 0, aqi.CST)
			ins = instruction(t, l.Resolve(LevelOrange, "pm25", nov30), "coat-x")
			if ins.Grade != GradeB || ins.Measures[0].Origin != "default:coating/B" || ins.Measures[0].Value != 20 {
				t.Errorf("30 November: %+v", ins)
			}
		}},
		// Levels are cumulative: red still carries orange's HDV ban for the
		// transport firm, next to its own red measure.
		{"cumulative", func(t *testing.T) {
			ms := instruction(t, at(LevelRed, "pm25"), "haul-1").Measures
			var got []string
			for _, m := range ms {
				got = append(got, m.Level+":"+m.Action)
			}
			if strings.Join(got, " ") != "pre:custom yellow:custom orange:hdv_ban_cn4 red:custom" {
				t.Errorf("haul-1 red = %v", got)
			}
		}},
		// A long-stopped source has nothing to do but stay stopped.
		{"long stopped", func(t *testing.T) {
			ins := instruction(t, at(LevelRed, "pm25"), "lime-1")
			if len(ins.Measures) != 0 || ins.Exempt == nil || ins.Exempt.Kind != ExemptLongStopped {
				t.Errorf("%+v", ins)
			}
		}},
		// No warning: every source, nothing to do; an unknown level: nil.
		{"no warning", func(t *testing.T) {
			ins := at("", "pm25")
			if len(ins) != 30 {
				t.Fatalf("%d instructions", len(ins))
			}
			for _, i := range ins {
				if len(i.Measures) != 0 || i.Exempt != nil || i.Level != "" {
					t.Errorf("%s: %+v", i.Source, i)
				}
			}
			if got := at("purple", "pm25"); got != nil {
				t.Errorf("unknown level: %+v", got)
			}
		}},
		// Unknown and PM primaries push measures; SO2 alone neither measures
		// nor watch; NO2 watch; a mixed PM+O3 warning is PM-driven.
		{"primary pollutant", func(t *testing.T) {
			for _, c := range []struct {
				primary        string
				measures, tags bool
			}{{"", true, false}, {"pm10", true, false}, {"PM2.5", true, false}, {"no2", false, true}, {"so2", false, false}, {"o3_8h,pm25", true, false}, {"dust", true, false}} {
				ins := instruction(t, at(LevelOrange, c.primary), "cem-b")
				if (len(ins.Measures) > 0) != c.measures || (len(ins.Watch) > 0) != c.tags {
					t.Errorf("%q: %d measures, watch %v", c.primary, len(ins.Measures), ins.Watch)
				}
			}
		}},
		// Instructions come in enterprise id order.
		{"order", func(t *testing.T) {
			ins := at(LevelYellow, "pm25")
			for i := 1; i < len(ins); i++ {
				if ins[i-1].Source >= ins[i].Source {
					t.Errorf("%s before %s", ins[i-1].Source, ins[i].Source)
				}
			}
		}},
	} {
		t.Run(tc.name, tc.check)
	}
}

// Superseding is per target: a red stop of one line leaves the orange limit
// on the other line, with the base of that line only; a tighter red cap
// replaces the orange one. The list is built by hand, as the benchmark's.
func TestSupersedePerTarget(t *testing.T) {
	e := Enterprise{ID: "x", SourceType: SourceIndustrial, GuideIndustry: "none", Grade: GradeC, Status: StatusProducing,
		Units: []Unit{
			{ID: "l1", Kind: UnitProduction, Capacity: Capacity{Design: 1000, Permit: 900, Unit: "t/d"}},
			{ID: "l2", Kind: UnitProduction, Capacity: Capacity{Design: 500, LastYear: 400, Unit: "t/d"}},
			{ID: "f1", Kind: UnitProduction, Capacity: Capacity{Design: 960, Unit: "t/d"}},
		},
		Measures: []Measure{
			{Level: LevelOrange, Action: ActionLimitPct, Value: 50, TargetUnits: []string{"l1", "l2"}, TextZH: "限产50%"},
			{Level: LevelOrange, Action: ActionCapIndicator, Value: 768, TargetUnits: []string{"f1"}, KeyIndicator: &KeyIndicator{NameZH: "投料量", Unit: "t/d", Base: 960}, TextZH: "投料≤768"},
			{Level: LevelRed, Action: ActionStopUnit, TargetUnits: []string{"l1"}, TextZH: "停l1"},
			{Level: LevelRed, Action: ActionCapIndicator, Value: 600, TargetUnits: []string{"f1"}, KeyIndicator: &KeyIndicator{NameZH: "投料量", Unit: "t/d", Base: 960}, TextZH: "投料≤600"},
		}}
	l := &List{ID: "hand", Enterprises: []Enterprise{e}}
	for _, tc := range []struct {
		level string
		want  []string // action targets base→limit
	}{
		// Orange: the limit on both lines (base 900 + 400), the cap on the furnace.
		{LevelOrange, []string{"limit_pct l1,l2 1300→650", "cap_indicator f1 960→768"}},
		// Red: l1 stopped, l2 keeps the orange limit on its own base, the tighter cap.
		{LevelRed, []string{"limit_pct l2 400→200", "stop_unit l1 900→0", "cap_indicator f1 960→600"}},
	} {
		var got []string
		for _, m := range l.Resolve(tc.level, "pm25", goldenNow)[0].Measures {
			got = append(got, fmt.Sprintf("%s %s %v→%v", m.Action, strings.Join(m.Targets, ","), m.KeyIndicator.Base, m.KeyIndicator.Limit))
		}
		if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
			t.Errorf("%s:\n got %v\nwant %v", tc.level, got, tc.want)
		}
	}
	if _, ok := l.Enterprise("x"); !ok {
		t.Error("Enterprise on a hand-built list")
	}
}

// Grades outside grade_from…grade_to are unrated; the last day still counts.
func TestGradeAt(t *testing.T) {
	e := Enterprise{Grade: GradeB, GradeFrom: mustDate("2026-01-01"), GradeTo: mustDate("2026-11-30")}
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2025, 12, 31, 23, 59, 0, 0, aqi.CST), GradeUnrated},  // the evening before it starts
		{time.Date(2026, 1, 1, 0, 0, 0, 0, aqi.CST), GradeB},            // its first instant
		{time.Date(2026, 11, 30, 23, 59, 0, 0, aqi.CST), GradeB},        // its last day, China time
		{time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC), GradeUnrated}, // 00:30 on 1 December in China
	} {
		if got, _ := e.GradeAt(tc.at); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.at, got, tc.want)
		}
	}
	if g, note := (&Enterprise{}).GradeAt(goldenNow); g != "" || note != "" {
		t.Errorf("ungraded = %q %q", g, note)
	}
}

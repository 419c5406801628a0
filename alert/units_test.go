package alert

import (
	"slices"
	"strings"
	"testing"
)

// unitsOf103 are the member units plan 10.3 names (plus the towns of plan
// 2.2 and 4.4), by the ids the county plan file uses.
var unitsOf103 = []struct{ id, nameZH string }{
	{"discipline", "县纪委监委"},
	{"publicity", "县委宣传部"},
	{"cyberspace", "县委网信办"},
	{"development_reform", "县发改局"},
	{"education", "县教育局"},
	{"industry_it", "县科工局"},
	{"market_regulation", "县市场监管局"},
	{"culture_tourism", "县民族文旅广体局"},
	{"public_security", "县公安局"},
	{"finance", "县财政局"},
	{"natural_resources", "县自然资源局"},
	{"ecology_branch", "市生态环境局江华分局"},
	{"housing", "县住建局"},
	{"urban_management", "县城管局"},
	{"transport", "县交通运输局"},
	{"water_resources", "县水利局"},
	{"agriculture", "县农业农村局"},
	{"commerce", "县商务局"},
	{"health", "县卫健局"},
	{"emergency_management", "县应急管理局"},
	{"meteorology", "县气象局"},
	{"power_supply", "国网江华供电分公司"},
	{"hightech_zone", "江华高新区"},
	{"towns", "各乡镇人民政府"},
}

// TestCountyUnits: every unit of plan 10.3 is in the county plan with a
// contact channel, a duty and, from Ⅲ on, at least one task.
func TestCountyUnits(t *testing.T) {
	p := jianghua(t)
	yellow := mustLevel(t, p, "yellow")
	byID := map[string]Unit{}
	for _, u := range p.Units {
		byID[u.ID] = u
	}
	for _, want := range unitsOf103 {
		u, ok := byID[want.id]
		if !ok {
			t.Errorf("unit %s (%s) missing", want.id, want.nameZH)
			continue
		}
		if !strings.Contains(u.NameZH, want.nameZH) || u.NameEN == "" {
			t.Errorf("unit %s: names %q / %q, want %q", u.ID, u.NameZH, u.NameEN, want.nameZH)
		}
		if len(u.Channels) == 0 || u.Channels[0].Target == "" {
			t.Errorf("unit %s: no contact channel", u.ID)
		}
		if u.DutyZH == "" || u.DutyEN == "" {
			t.Errorf("unit %s: duty missing", u.ID)
		}
		if len(tasksOf(p.MeasuresFor(yellow), u.ID)) == 0 {
			t.Errorf("unit %s: no task at Ⅲ", u.ID)
		}
	}
	var offices, upstream int
	for _, u := range p.Units {
		switch u.Role {
		case UnitOffice:
			offices++
		case UnitUpstream:
			upstream++
		}
	}
	if offices != 1 || upstream != 1 {
		t.Errorf("offices = %d, upstream units = %d; want one each", offices, upstream)
	}
}

// TestMeasuresCumulative: Ⅱ includes Ⅲ and Ⅰ includes Ⅱ, for the plan and for
// every unit's checklist, in both plans; every text has both languages and
// each level adds something of each kind of 5.2.
func TestMeasuresCumulative(t *testing.T) {
	for _, file := range []string{"jianghua-2024.yaml", "example-48-72-96.yaml"} {
		t.Run(file, func(t *testing.T) {
			p := loadPlan(t, file)
			for _, m := range p.Measures {
				if m.TextZH == "" || m.TextEN == "" {
					t.Errorf("measure %s: text_zh and text_en are required", m.ID)
				}
			}
			if len(p.MeasuresFor(LevelNone)) == 0 {
				t.Error("no health-notice measure")
			}
			for l := Level(2); l <= p.MaxLevel(); l++ {
				lower, higher := tasksOf(p.MeasuresFor(l-1), ""), tasksOf(p.MeasuresFor(l), "")
				if len(higher) <= len(lower) {
					t.Errorf("level %s adds no measure", p.LevelID(l))
				}
				for _, id := range lower {
					if !slices.Contains(higher, id) {
						t.Errorf("measure %s of %s missing at %s", id, p.LevelID(l-1), p.LevelID(l))
					}
				}
				for _, u := range p.Units {
					lo, hi := tasksOf(p.MeasuresFor(l-1), u.ID), tasksOf(p.MeasuresFor(l), u.ID)
					for _, id := range lo {
						if !slices.Contains(hi, id) {
							t.Errorf("unit %s: task %s of %s missing at %s", u.ID, id, p.LevelID(l-1), p.LevelID(l))
						}
					}
				}
			}
		})
	}
	// The county plan: every level adds health, advisory and mandatory
	// measures (5.2.1–5.2.3 each have the three parts).
	p := jianghua(t)
	for l := Level(1); l <= p.MaxLevel(); l++ {
		kinds := map[string]bool{}
		for _, m := range p.Measures {
			if ml, _ := p.levelByRef(m.Level); ml == l {
				kinds[m.Kind] = true
			}
		}
		for _, k := range []string{MeasureHealth, MeasureAdvisory, MeasureMandatory} {
			if !kinds[k] {
				t.Errorf("level %s adds no %s measure", p.LevelID(l), k)
			}
		}
	}
}

// tasksOf lists the ids of the measures naming unit ("" for all of them).
func tasksOf(ms []Measure, unit string) []string {
	var out []string
	for _, m := range ms {
		if unit == "" || slices.Contains(m.Units, unit) {
			out = append(out, m.ID)
		}
	}
	return out
}

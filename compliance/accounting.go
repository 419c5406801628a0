package compliance

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/internal/yamlline"
	"github.com/aqwarn/aqwarn/reduction"
)

// AccountingParams are what the reduction accounting compares against
// (notes §2.2, §7 P1 "reduction accounting").
type AccountingParams struct {
	// RequiredPct is, per level, the share of the county's whole-society
	// emissions the list must cut, per pollutant (percent).
	RequiredPct map[string]reduction.Pollutants `yaml:"required_pct"`
	// ActionCutPct is the cut, in percent of a source's whole base, of the
	// actions that stop or limit no production unit (a site's
	// stop_earthworks). An action not named here is not quantified: it
	// counts 0 and the source is listed as not quantified.
	ActionCutPct map[string]float64 `yaml:"action_cut_pct"`
	// TopContributors is how many sources a shortfall names.
	TopContributors int    `yaml:"top_contributors"`
	Source          string `yaml:"source"`
}

// unitActions are the actions the model computes from the units.
var unitActions = []string{reduction.ActionStopUnit, reduction.ActionStopProcess, reduction.ActionLimitPct, reduction.ActionCapIndicator}

var otherActions = []string{reduction.ActionHDVBanCN4, reduction.ActionNonroadBanCN2, reduction.ActionStopEarthworks,
	reduction.ActionStopOpenAir, reduction.ActionCoverAndSpray, reduction.ActionSelfDetermined, reduction.ActionCustom}

// warningLevels are the levels with a required cut.
var warningLevels = []string{reduction.LevelYellow, reduction.LevelOrange, reduction.LevelRed}

func (a *AccountingParams) check(c *checker) {
	p := func(steps ...any) []any { return append([]any{"accounting"}, steps...) }
	if len(a.RequiredPct) == 0 {
		c.Add(p("required_pct"), "accounting.required_pct: missing (per level, the share to cut)")
	}
	for level, req := range a.RequiredPct {
		if !slices.Contains(reduction.Levels(), level) {
			c.Add(p("required_pct", level), "accounting.required_pct: %q is not a level (%s)", level, strings.Join(reduction.Levels(), ", "))
			continue
		}
		for _, pol := range pollutantNames {
			if v := pollutant(req, pol); math.IsNaN(v) || v < 0 || v > 100 {
				c.Add(p("required_pct", level, pol), "accounting.required_pct.%s.%s: %v, want a percentage from 0 to 100", level, pol, v)
			}
		}
	}
	for action, v := range a.ActionCutPct {
		if !slices.Contains(otherActions, action) {
			c.Add(p("action_cut_pct", action), "accounting.action_cut_pct: %q is not an action the model leaves out (%s); stops, limits and caps are computed from the units", action, strings.Join(otherActions, ", "))
		}
		if math.IsNaN(v) || v < 0 || v > 100 {
			c.Add(p("action_cut_pct", action), "accounting.action_cut_pct.%s: %v, want a percentage from 0 to 100", action, v)
		}
	}
	if a.TopContributors < 1 || a.TopContributors > 50 {
		c.Add(p("top_contributors"), "accounting.top_contributors: %d, want 1..50", a.TopContributors)
	}
	c.source(p("source"), "accounting", a.Source)
}

// Pollutant names of the accounting, in order (notes §2.2).
var pollutantNames = []string{"so2", "nox", "pm", "vocs"}

func pollutant(p reduction.Pollutants, name string) float64 {
	switch name {
	case "so2":
		return p.SO2
	case "nox":
		return p.NOx
	case "pm":
		return p.PM
	case "vocs":
		return p.VOCs
	}
	return 0
}

func setPollutant(p *reduction.Pollutants, name string, v float64) {
	switch name {
	case "so2":
		p.SO2 = v
	case "nox":
		p.NOx = v
	case "pm":
		p.PM = v
	case "vocs":
		p.VOCs = v
	}
}

var pollutantLabels = map[string]string{"so2": "SO2", "nox": "NOx", "pm": "PM", "vocs": "VOCs"}

// Inventory is a county's whole-society emissions by sector, t/a
// (configs/compliance/inventory-*.yaml): what the required shares are
// shares of (notes §2.2: 全社会排放量).
type Inventory struct {
	ID     string `yaml:"id" json:"id"`
	County string `yaml:"county" json:"county"`
	Year   int    `yaml:"year" json:"year"`
	NameZH string `yaml:"name_zh" json:"name_zh"`
	// Illustrative marks numbers made up for a demonstration.
	Illustrative bool     `yaml:"illustrative" json:"illustrative"`
	Source       string   `yaml:"source" json:"source"`
	Sectors      []Sector `yaml:"sectors" json:"sectors"`
}

// Sector is one sector's emissions, t/a.
type Sector struct {
	ID                   string `yaml:"id" json:"id"`
	NameZH               string `yaml:"name_zh" json:"name_zh"`
	NameEN               string `yaml:"name_en" json:"name_en"`
	reduction.Pollutants `yaml:",inline"`
}

// Totals are the county's emissions: the sum of the sectors, t/a.
func (inv *Inventory) Totals() reduction.Pollutants {
	var t reduction.Pollutants
	for _, s := range inv.Sectors {
		for _, p := range pollutantNames {
			setPollutant(&t, p, pollutant(t, p)+pollutant(s.Pollutants, p))
		}
	}
	return t
}

// ParseInventory decodes and validates an inventory: unknown keys, a
// negative amount, a pollutant with no emissions at all are errors, with
// their lines.
func ParseInventory(b []byte) (*Inventory, error) {
	var inv Inventory
	root, problems, err := decodeStrict(b, &inv, "emission inventory")
	if err != nil {
		return nil, err
	}
	c := checker{yamlline.Problems{Root: root, List: problems}}
	if inv.ID == "" {
		c.Add(at("id"), "id: missing")
	}
	if inv.County == "" {
		c.Add(at("county"), "county: missing")
	}
	if inv.Year < 2000 || inv.Year > 2100 {
		c.Add(at("year"), "year: %d, want the inventory's year", inv.Year)
	}
	c.source(at("source"), "inventory", inv.Source)
	if len(inv.Sectors) == 0 {
		c.Add(at("sectors"), "sectors: missing")
	}
	seen := map[string]bool{}
	for i, s := range inv.Sectors {
		switch {
		case s.ID == "":
			c.Add(at("sectors", i), "sectors[%d].id: missing", i)
		case seen[s.ID]:
			c.Add(at("sectors", i, "id"), "sectors[%d]: duplicate id %q", i, s.ID)
		}
		seen[s.ID] = true
		for _, p := range pollutantNames {
			if v := pollutant(s.Pollutants, p); math.IsNaN(v) || v < 0 {
				c.Add(at("sectors", i, p), "sectors[%d].%s: %v, want t/a of at least 0", i, p, v)
			}
		}
	}
	tot := inv.Totals()
	for _, p := range pollutantNames {
		if len(inv.Sectors) > 0 && pollutant(tot, p) <= 0 {
			c.Add(at("sectors"), "sectors: no %s at all; a county total of 0 cannot be cut by a share", pollutantLabels[p])
		}
	}
	if err := c.err("emission inventory"); err != nil {
		return nil, err
	}
	return &inv, nil
}

// Accounting is the list's expected cut against the required shares, per
// level (notes §7 P1).
type Accounting struct {
	List      string               `json:"list"`
	Inventory string               `json:"inventory"`
	Totals    reduction.Pollutants `json:"totals_t_a"`
	// Model says how cuts are computed, in words.
	ModelZH string         `json:"model_zh"`
	ModelEN string         `json:"model_en"`
	Levels  []LevelAccount `json:"levels"`
}

// LevelAccount is one level's accounting.
type LevelAccount struct {
	Level      string             `json:"level"`
	Met        bool               `json:"met"`
	Pollutants []PollutantAccount `json:"pollutants"`
	// Sources are every listed source's expected cut at the level, t/a.
	Sources []SourceCut `json:"sources"`
	// Unquantified are the sources with a measure the model does not
	// quantify (self-determined, truck bans, custom …), counted as 0.
	Unquantified []string `json:"unquantified,omitempty"`
}

// PollutantAccount is one pollutant at one level.
type PollutantAccount struct {
	Pollutant string `json:"pollutant"`
	// CountyTotal and ListedBase are t/a: the inventory's total and the
	// listed sources' emissions bases.
	CountyTotal float64 `json:"county_total_t_a"`
	ListedBase  float64 `json:"listed_base_t_a"`
	// Cut is the list's expected cut, t/a (and kg/d at 365 days a year).
	Cut         float64 `json:"cut_t_a"`
	CutKgD      float64 `json:"cut_kg_d"`
	AchievedPct float64 `json:"achieved_pct"`
	RequiredPct float64 `json:"required_pct"`
	Met         bool    `json:"met"`
	// ShortfallPct (percentage points) and ShortfallT (t/a) are what is
	// missing, 0 when met.
	ShortfallPct float64 `json:"shortfall_pct,omitempty"`
	ShortfallT   float64 `json:"shortfall_t_a,omitempty"`
	// MaxPct is the share a full stop of every listed source would cut:
	// below RequiredPct the list cannot meet the level whatever it asks.
	MaxPct float64 `json:"max_pct"`
	// Missing are, when not met, the listed sources with the most
	// emissions left at this level: where a stronger measure would count.
	Missing []Contributor `json:"missing,omitempty"`
	TextZH  string        `json:"text_zh"`
	TextEN  string        `json:"text_en"`
}

// Contributor is a source's part in a shortfall.
type Contributor struct {
	Source string  `json:"source"`
	NameZH string  `json:"name_zh"`
	Grade  string  `json:"grade,omitempty"`
	Left   float64 `json:"left_t_a"` // emissions left after its measures, t/a
	CutPct float64 `json:"cut_pct"`  // its own cut, % of its base
}

// SourceCut is one source's expected cut at a level.
type SourceCut struct {
	Source string               `json:"source"`
	Base   reduction.Pollutants `json:"base_t_a"`
	Cut    reduction.Pollutants `json:"cut_t_a"`
	// Shares are the measures' cut shares of the base (0–1), in order.
	Measures []MeasureCut `json:"measures,omitempty"`
}

// MeasureCut is a measure's part of a source's cut.
type MeasureCut struct {
	Action  string   `json:"action"`
	Targets []string `json:"targets,omitempty"`
	// Share is the part of the source's base it removes (0–1); FromList
	// when the list gives the measure's expected cut in kg/d itself.
	Share      float64 `json:"share"`
	FromList   bool    `json:"from_list,omitempty"`
	Quantified bool    `json:"quantified"`
}

// accountingModelZH/EN say the model in words (README and report).
const (
	accountingModelZH = "每个源的削减量 = 排放基数（t/a）× 措施削减份额：停产（停线、停工序）为所涉单元份额的100%，限产X%为其X%，指标上限为1−上限/基数；" +
		"单元份额按各生产单元的产能基数（设计、许可、上年实际取小，单位一致时）分配，否则按单元个数平均；措施自带预期削减（kg/d）时以清单为准；" +
		"同一源各措施相加，不超过基数；其他措施按参数表的份额计，未列出的不计（标为未量化）。达成比例 = 全部清单源削减量 ÷ 全县排放清单总量。"
	accountingModelEN = "A source's cut = its emissions base (t/a) × the measures' share: a stop (line or process) removes 100 % of its targets' share, limit X % removes X % of it, " +
		"a cap 1 − limit/base; a target's share of the source is its reduction base (min of design, permit, last-year capacity) over all production units' when they share a capacity unit, " +
		"else one over the number of units; a measure's own expected cut (kg/d) in the list wins; a source's measures add up to at most its base; other actions count the share of " +
		"accounting.action_cut_pct, or nothing (listed as not quantified). The share achieved = the listed sources' cuts ÷ the county inventory's total."
)

// Account works out, for each warning level with a required share, the
// cut the list's measures are expected to achieve against the county's
// inventory, and what is missing (notes §7 P1). The list is resolved for a
// PM-driven warning at now (grades in force then).
func (a *AccountingParams) Account(l *reduction.List, inv *Inventory, now time.Time) *Accounting {
	tot := inv.Totals()
	out := &Accounting{List: l.ID, Inventory: inv.ID, Totals: roundP(tot), ModelZH: accountingModelZH, ModelEN: accountingModelEN}
	for _, level := range reduction.Levels() {
		req, ok := a.RequiredPct[level]
		if !ok {
			continue
		}
		out.Levels = append(out.Levels, a.level(l, level, req, tot, now))
	}
	return out
}

func (a *AccountingParams) level(l *reduction.List, level string, req, tot reduction.Pollutants, now time.Time) LevelAccount {
	la := LevelAccount{Level: level, Met: true}
	grades := map[string]string{}
	for _, ins := range l.Resolve(level, "pm25", now) {
		e, ok := l.Enterprise(ins.Source)
		if !ok {
			continue
		}
		grades[e.ID] = ins.Grade
		sc, quantified := a.sourceCut(e, ins)
		la.Sources = append(la.Sources, sc)
		if !quantified {
			la.Unquantified = append(la.Unquantified, e.ID)
		}
	}
	for _, p := range pollutantNames {
		pa := PollutantAccount{Pollutant: pollutantLabels[p], CountyTotal: round3(pollutant(tot, p)), RequiredPct: pollutant(req, p)}
		var base, cut float64
		var contrib []Contributor
		for _, sc := range la.Sources {
			b, c := pollutant(sc.Base, p), pollutant(sc.Cut, p)
			base += b
			cut += c
			if b-c > 0 {
				e, _ := l.Enterprise(sc.Source)
				contrib = append(contrib, Contributor{Source: sc.Source, NameZH: e.NameZH, Grade: grades[sc.Source], Left: round3(b - c), CutPct: round1(100 * c / b)})
			}
		}
		total := pollutant(tot, p)
		pa.ListedBase, pa.Cut, pa.CutKgD = round3(base), round3(cut), round1(cut*1000/365)
		pa.AchievedPct, pa.MaxPct = round1(100*cut/total), round1(100*base/total)
		pa.Met = 100*cut/total >= pa.RequiredPct-1e-9
		if !pa.Met {
			la.Met = false
			pa.ShortfallPct = round1(pa.RequiredPct - 100*cut/total)
			pa.ShortfallT = round3(pa.RequiredPct/100*total - cut)
			slices.SortStableFunc(contrib, func(x, y Contributor) int {
				if x.Left != y.Left {
					if x.Left > y.Left {
						return -1
					}
					return 1
				}
				return strings.Compare(x.Source, y.Source)
			})
			pa.Missing = contrib[:min(len(contrib), a.TopContributors)]
		}
		pa.TextZH, pa.TextEN = pollutantText(level, pa)
		la.Pollutants = append(la.Pollutants, pa)
	}
	return la
}

func pollutantText(level string, pa PollutantAccount) (zh, en string) {
	lz := levelNamesZH[level]
	if pa.Met {
		return fmt.Sprintf("%s：%s预计削减%s%%（%s t/a），达到要求的%s%%。", lz, pa.Pollutant, num1(pa.AchievedPct), num3(pa.Cut), num1(pa.RequiredPct)),
			fmt.Sprintf("%s: %s expected cut %s %% (%s t/a), meets the required %s %%.", level, pa.Pollutant, num1(pa.AchievedPct), num3(pa.Cut), num1(pa.RequiredPct))
	}
	var names []string
	for _, c := range pa.Missing {
		names = append(names, fmt.Sprintf("%s %s t/a", c.Source, num3(c.Left)))
	}
	zh = fmt.Sprintf("%s：%s预计削减%s%%（%s t/a），低于要求的%s%%，差%s个百分点（%s t/a）", lz, pa.Pollutant, num1(pa.AchievedPct), num3(pa.Cut),
		num1(pa.RequiredPct), num1(pa.ShortfallPct), num3(pa.ShortfallT))
	en = fmt.Sprintf("%s: %s expected cut %s %% (%s t/a), below the required %s %% by %s points (%s t/a)", level, pa.Pollutant, num1(pa.AchievedPct), num3(pa.Cut),
		num1(pa.RequiredPct), num1(pa.ShortfallPct), num3(pa.ShortfallT))
	if pa.MaxPct < pa.RequiredPct {
		zh += fmt.Sprintf("；清单源全部停产也只能削减%s%%，需将更多排放源纳入清单", num1(pa.MaxPct))
		en += fmt.Sprintf("; stopping every listed source would cut only %s %%: the list must cover more sources", num1(pa.MaxPct))
	}
	if len(names) > 0 {
		zh += "；剩余排放最多的清单源：" + strings.Join(names, "，")
		en += "; listed sources with the most left: " + strings.Join(names, ", ")
	}
	return zh + "。", en + "."
}

var levelNamesZH = map[string]string{reduction.LevelPre: "轻中度污染", reduction.LevelYellow: "黄色预警", reduction.LevelOrange: "橙色预警", reduction.LevelRed: "红色预警"}

// sourceCut is one source's expected cut under its instruction; quantified
// is false when a measure of it is not quantified.
func (a *AccountingParams) sourceCut(e *reduction.Enterprise, ins reduction.Instruction) (SourceCut, bool) {
	sc := SourceCut{Source: e.ID, Base: roundP(e.EmissionsBase.Pollutants)}
	quantified := true
	var cut reduction.Pollutants
	for _, m := range ins.Measures {
		mc := MeasureCut{Action: m.Action, Targets: m.Targets}
		if m.ExpectedCutKgD != nil {
			mc.FromList, mc.Quantified = true, true
			for _, p := range pollutantNames {
				setPollutant(&cut, p, pollutant(cut, p)+pollutant(*m.ExpectedCutKgD, p)*365/1000)
			}
			sc.Measures = append(sc.Measures, mc)
			continue
		}
		var share float64
		switch m.Action {
		case reduction.ActionStopUnit, reduction.ActionStopProcess:
			share, mc.Quantified = targetShare(e, m.Targets), true
		case reduction.ActionLimitPct:
			share, mc.Quantified = m.Value/100*targetShare(e, m.Targets), true
		case reduction.ActionCapIndicator:
			if k := m.KeyIndicator; k != nil && k.Base > 0 {
				share, mc.Quantified = max(0, 1-k.Limit/k.Base)*targetShare(e, m.Targets), true
			}
		default:
			if v, ok := a.ActionCutPct[m.Action]; ok {
				share, mc.Quantified = v/100, true
			}
		}
		if !mc.Quantified {
			quantified = false
		}
		mc.Share = round3(share)
		for _, p := range pollutantNames {
			setPollutant(&cut, p, pollutant(cut, p)+share*pollutant(e.EmissionsBase.Pollutants, p))
		}
		sc.Measures = append(sc.Measures, mc)
	}
	for _, p := range pollutantNames {
		setPollutant(&cut, p, min(pollutant(cut, p), pollutant(e.EmissionsBase.Pollutants, p)))
	}
	sc.Cut = roundP(cut)
	return sc, quantified
}

// targetShare is the share of a source's emissions its targets carry: 1
// for the firm as a whole; else the targets' reduction bases over those of
// the units that carry its emissions (production units, or every
// non-treatment unit when it has none), when all have one in one unit,
// else their number over the units'.
func targetShare(e *reduction.Enterprise, targets []string) float64 {
	if len(targets) == 0 {
		return 1
	}
	var emitting []reduction.Unit
	for _, kinds := range [][]string{{reduction.UnitProduction}, {reduction.UnitProduction, reduction.UnitAuxiliary}} {
		for _, u := range e.Units {
			if slices.Contains(kinds, u.Kind) {
				emitting = append(emitting, u)
			}
		}
		if len(emitting) > 0 {
			break
		}
	}
	if len(emitting) == 0 {
		return 1
	}
	byBase := true
	var all, sel float64
	var n int
	for _, u := range emitting {
		if u.Base() <= 0 || u.Capacity.Unit != emitting[0].Capacity.Unit {
			byBase = false
		}
		if slices.Contains(targets, u.ID) {
			n++
			sel += u.Base()
		}
		all += u.Base()
	}
	if byBase && all > 0 {
		return sel / all
	}
	return float64(n) / float64(len(emitting))
}

func roundP(p reduction.Pollutants) reduction.Pollutants {
	return reduction.Pollutants{SO2: round3(p.SO2), NOx: round3(p.NOx), PM: round3(p.PM), VOCs: round3(p.VOCs)}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
func round1(v float64) float64 { return math.Round(v*10) / 10 }

func num1(v float64) string { return fmt.Sprintf("%.1f", v) }
func num3(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

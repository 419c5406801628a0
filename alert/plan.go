package alert

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Level is a warning level of a plan: 0 is no warning, 1 is the plan's lowest
// level (yellow in the county plan), and so on upwards. Levels only mean
// something together with their plan; persist them by id (Plan.LevelID) and
// read them back with Plan.LevelByID, because another plan may order them
// differently.
type Level int

// LevelNone is "no warning". Its id in a plan file is "none".
const LevelNone Level = 0

const levelNoneID = "none"

// LevelNoneID is the id of no warning ("none") in proposals and transitions.
const LevelNoneID = levelNoneID

// Action is what a proposal asks for.
type Action string

const (
	ActionIssue        Action = "issue"
	ActionUpgrade      Action = "upgrade"
	ActionDowngrade    Action = "downgrade"
	ActionLift         Action = "lift"
	ActionHealthNotice Action = "health_notice"
	ActionUpstream     Action = "upstream" // prompted by the city's command (plan 4.2, 6)
	ActionManual       Action = "manual"   // proposed by duty staff after a consultation
	// ActionExtend moves the expected end of the warning in force, at the
	// same level ("延续至…"); a shortening is an extension to an earlier end.
	ActionExtend Action = "extend"
	// ActionPause keeps the warning open with its measures suspended until
	// a planned restart (the look-ahead veto failed); ActionResume restarts
	// them.
	ActionPause  Action = "pause"
	ActionResume Action = "resume"
)

var knownActions = []Action{ActionIssue, ActionUpgrade, ActionDowngrade, ActionLift,
	ActionHealthNotice, ActionUpstream, ActionManual, ActionExtend, ActionPause, ActionResume}

// Measure kinds (plan 5.2).
const (
	MeasureHealth    = "health"
	MeasureAdvisory  = "advisory"
	MeasureMandatory = "mandatory"
	MeasureDuty      = "duty" // a member unit's standing duty during a response (plan 10.3)
)

// Conventional quantity names for the health-notice rule; a forecast must
// deliver Concentrations.Values under the names the plan uses.
const (
	QuantityPM10_24h  = "pm10_24h"
	QuantityPM2_5_24h = "pm2_5_24h"
	QuantityO3_8h     = "o3_8h"
)

// Plan is an emergency plan as data: levels, timing, roles, approval chains,
// regions, member units and measures. Load it with LoadPlan or ParsePlan,
// which validate it; a Plan built by hand must not be used by Evaluate.
type Plan struct {
	ID           string           `yaml:"id"`
	NameZH       string           `yaml:"name_zh"`
	NameEN       string           `yaml:"name_en"`
	Document     string           `yaml:"document"`     // the official document number
	WindowHours  int              `yaml:"window_hours"` // length of one "daily AQI" window
	Regions      []Region         `yaml:"regions"`
	Roles        []Role           `yaml:"roles"`
	Levels       []LevelSpec      `yaml:"levels"` // lowest first
	HealthNotice HealthNoticeRule `yaml:"health_notice"`
	Timing       Timing           `yaml:"timing"`
	Decisions    Decisions        `yaml:"decisions"`
	Approvals    []Chain          `yaml:"approvals"`

	// Units and Measures are optional; another part of the service owns
	// their meaning. The raw YAML is kept too (DecodeUnits, DecodeMeasures)
	// so fields this package does not know survive loading.
	Units    []Unit    `yaml:"-"`
	Measures []Measure `yaml:"-"`

	rawUnits    yaml.Node
	rawMeasures yaml.Node
	thresholds  []int
	maxHours    int
}

// Region is an area the plan covers: the county (no parent) or a town.
type Region struct {
	ID     string `yaml:"id" json:"id"`
	NameZH string `yaml:"name_zh" json:"name_zh"`
	NameEN string `yaml:"name_en" json:"name_en"`
	Parent string `yaml:"parent" json:"parent,omitempty"`
	Code   string `yaml:"code" json:"code,omitempty"` // GB/T 2260 division code
	// Warnings false lists a region for its AQI and its units only: the
	// plan's warnings are not evaluated for it (a county-wide plan whose
	// towns are not warning areas of their own). Absent means true.
	Warnings *bool `yaml:"warnings,omitempty" json:"warnings,omitempty"`
}

// Warned reports whether the plan evaluates warnings for the region.
func (r Region) Warned() bool { return r.Warnings == nil || *r.Warnings }

// WarningRegions returns the regions whose warnings the plan evaluates.
func (p *Plan) WarningRegions() []Region {
	var out []Region
	for _, r := range p.Regions {
		if r.Warned() {
			out = append(out, r)
		}
	}
	return out
}

// Role is a signing role of the approval chains.
type Role struct {
	ID     string `yaml:"id" json:"id"`
	NameZH string `yaml:"name_zh" json:"name_zh"`
	NameEN string `yaml:"name_en" json:"name_en"`
}

// LevelSpec is one warning level: it holds when any alternative holds.
type LevelSpec struct {
	ID         string      `yaml:"id"`
	NameZH     string      `yaml:"name_zh"`
	NameEN     string      `yaml:"name_en"`
	Color      string      `yaml:"color"`
	Response   string      `yaml:"response"` // response level label, e.g. Ⅲ
	ResponseZH string      `yaml:"response_zh"`
	ResponseEN string      `yaml:"response_en"`
	AnyOf      []Condition `yaml:"any_of"`
}

// Condition is one alternative of a level: all its terms must hold.
type Condition struct {
	AllOf []Term `yaml:"all_of"`
}

// Term asks for an exceedance run with AQI strictly above AQIAbove that
// contains the instant and lasts at least MinHours.
type Term struct {
	AQIAbove int `yaml:"aqi_above"`
	MinHours int `yaml:"min_hours"`
}

func (t Term) String() string { return fmt.Sprintf("AQI>%d for ≥%dh", t.AQIAbove, t.MinHours) }

// HealthNoticeRule is the below-yellow public health information (plan 4.2).
type HealthNoticeRule struct {
	ID           string               `yaml:"id"`
	NameZH       string               `yaml:"name_zh"`
	NameEN       string               `yaml:"name_en"`
	HorizonHours int                  `yaml:"horizon_hours"`
	AnyOf        []ConcentrationLimit `yaml:"any_of"`
}

// ConcentrationLimit is exceeded by a forecast value strictly above Above.
type ConcentrationLimit struct {
	Quantity string  `yaml:"quantity"`
	Above    float64 `yaml:"above"`
	Unit     string  `yaml:"unit"`
}

// Timing holds the plan's durations, in hours.
type Timing struct {
	PersistHours          int `yaml:"persist_hours"`           // below a level this long before lift/downgrade
	ForecastCoverageHours int `yaml:"forecast_coverage_hours"` // forecast reach needed to lift or downgrade
	MergeGapHours         int `yaml:"episode_merge_gap_hours"` // stretches closer than this are one episode
	LeadTimeHours         int `yaml:"lead_time_hours"`         // publish this long before the start
}

func (t Timing) Persist() time.Duration  { return hours(t.PersistHours) }
func (t Timing) Coverage() time.Duration { return hours(t.ForecastCoverageHours) }
func (t Timing) MergeGap() time.Duration { return hours(t.MergeGapHours) }
func (t Timing) Lead() time.Duration     { return hours(t.LeadTimeHours) }

// Chain is the approval procedure for some actions at some target levels.
// Levels empty means every level; "none" is the target of a lift.
type Chain struct {
	ID      string   `yaml:"id" json:"id"`
	Actions []Action `yaml:"actions" json:"actions"`
	Levels  []string `yaml:"levels" json:"levels,omitempty"`
	Steps   []Step   `yaml:"steps" json:"steps"`
}

// Step is done when every AllOf role and, if AnyOf is not empty, one AnyOf
// role have approved.
type Step struct {
	ID     string   `yaml:"id" json:"id"`
	NameZH string   `yaml:"name_zh" json:"name_zh"`
	NameEN string   `yaml:"name_en" json:"name_en"`
	AllOf  []string `yaml:"all_of" json:"all_of,omitempty"`
	AnyOf  []string `yaml:"any_of" json:"any_of,omitempty"`
}

func (s Step) roles() []string { return append(slices.Clone(s.AllOf), s.AnyOf...) }

// Unit is a member unit (成员单位) and where its notices go.
type Unit struct {
	ID       string    `yaml:"id" json:"id"`
	NameZH   string    `yaml:"name_zh" json:"name_zh"`
	NameEN   string    `yaml:"name_en" json:"name_en"`
	Role     string    `yaml:"role" json:"role,omitempty"`       // member (default) | office | upstream
	Contact  string    `yaml:"contact" json:"contact,omitempty"` // duty telephone
	DutyZH   string    `yaml:"duty_zh" json:"duty_zh,omitempty"` // plan 10.3, summarised
	DutyEN   string    `yaml:"duty_en" json:"duty_en,omitempty"`
	Channels []Channel `yaml:"channels" json:"channels"`
}

// Unit roles: the command office (指挥部办公室) receives escalations; an
// upstream unit (the city command, plan 4.4) receives the warning document.
const (
	UnitMember   = "member"
	UnitOffice   = "office"
	UnitUpstream = "upstream"
)

// Channel is one way to reach a unit (kind: webhook, dingtalk, wecom, email,
// mqtt, sms, ...). Secrets are never in the plan: SecretEnv names the
// environment variable holding the signing key.
type Channel struct {
	Kind      string `yaml:"kind" json:"kind"`
	Target    string `yaml:"target" json:"target"`
	SecretEnv string `yaml:"secret_env" json:"-"`
}

// Measure is one response measure. Level is the lowest level it applies from
// (a level id, a response label such as Ⅲ, or the health-notice id); measures
// are cumulative upwards (plan 5.2.2, 5.2.3).
type Measure struct {
	ID     string   `yaml:"id" json:"id"`
	Level  string   `yaml:"level" json:"level"`
	Kind   string   `yaml:"kind" json:"kind"`               // health | advisory | mandatory | duty
	Public bool     `yaml:"public" json:"public,omitempty"` // part of the public warning text
	Units  []string `yaml:"units" json:"units"`
	TextZH string   `yaml:"text_zh" json:"text_zh"`
	TextEN string   `yaml:"text_en" json:"text_en"`
}

// planFile is the file layout: the plan plus the sections kept raw.
type planFile struct {
	Plan     `yaml:",inline"`
	Units    yaml.Node `yaml:"units"`
	Measures yaml.Node `yaml:"measures"`
}

// LoadPlan reads and validates a plan file.
func LoadPlan(path string) (*Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Code: CodePlanInvalid, Message: "read plan: " + err.Error(),
			MessageZH: "无法读取预案文件：" + path}
	}
	p, err := ParsePlan(b)
	var e *Error
	if errors.As(err, &e) {
		e.Message = path + ": " + e.Message
	}
	return p, err
}

// ParsePlan decodes and validates a plan. Unknown keys are errors (a typo in
// a threshold name must not silently drop a rule), except inside units and
// measures. The error lists every problem found.
func ParsePlan(b []byte) (*Plan, error) {
	var f planFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var problems []string
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, planError([]string{err.Error()})
		}
		// Type errors leave the rest decoded: validate it too, so one
		// run reports everything.
		problems = append(problems, te.Errors...)
	}
	p := f.Plan
	p.rawUnits, p.rawMeasures = f.Units, f.Measures
	if !isEmptyNode(&p.rawUnits) {
		if err := p.rawUnits.Decode(&p.Units); err != nil {
			problems = append(problems, "units: "+err.Error())
		}
	}
	if !isEmptyNode(&p.rawMeasures) {
		if err := p.rawMeasures.Decode(&p.Measures); err != nil {
			problems = append(problems, "measures: "+err.Error())
		}
	}
	problems = append(problems, p.validate()...)
	if len(problems) > 0 {
		return nil, planError(problems)
	}
	p.index()
	return &p, nil
}

func planError(problems []string) *Error {
	return &Error{Code: CodePlanInvalid,
		Message:   fmt.Sprintf("invalid plan: %d problem(s)", len(problems)),
		MessageZH: fmt.Sprintf("预案配置有 %d 处问题", len(problems)),
		Problems:  problems}
}

func isEmptyNode(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// DecodeUnits decodes the raw units section into v, for callers that need
// fields beyond Unit.
func (p *Plan) DecodeUnits(v any) error { return decodeRaw(&p.rawUnits, v) }

// DecodeMeasures decodes the raw measures section into v.
func (p *Plan) DecodeMeasures(v any) error { return decodeRaw(&p.rawMeasures, v) }

func decodeRaw(n *yaml.Node, v any) error {
	if isEmptyNode(n) {
		return nil
	}
	return n.Decode(v)
}

func (p *Plan) index() {
	seen := map[int]bool{}
	for _, l := range p.Levels {
		for _, c := range l.AnyOf {
			for _, t := range c.AllOf {
				if !seen[t.AQIAbove] {
					seen[t.AQIAbove] = true
					p.thresholds = append(p.thresholds, t.AQIAbove)
				}
				p.maxHours = max(p.maxHours, t.MinHours)
			}
		}
	}
	slices.Sort(p.thresholds)
}

// Thresholds returns the distinct AQI thresholds the levels use, ascending.
func (p *Plan) Thresholds() []int { return slices.Clone(p.thresholds) }

// OneDayThreshold is the lowest AQI above which a single window (one day)
// is enough for a level by itself — a day that alone calls for a warning
// (200 in the county plan: yellow for > 200 over 24 h). Forecast
// verification counts such days. 0 when no level is reachable in one window.
func (p *Plan) OneDayThreshold() int {
	best := 0
	for _, l := range p.Levels {
		for _, c := range l.AnyOf {
			thr, ok := 0, len(c.AllOf) > 0
			for _, t := range c.AllOf {
				ok = ok && t.MinHours <= p.WindowHours
				thr = max(thr, t.AQIAbove)
			}
			if ok && (best == 0 || thr < best) {
				best = thr
			}
		}
	}
	return best
}

// Window returns the length of one daily-AQI window.
func (p *Plan) Window() time.Duration { return hours(p.WindowHours) }

// Lookback is how far before now observed windows (by their end) can still
// change a decision: a run containing an instant is judged up to the longest
// duration any level asks for, and stretches up to the merge gap before now
// join the current episode. Callers replaying history pass only windows
// ending after now − Lookback, which keeps each evaluation independent of
// the length of the history. Only the reported start of an episode already
// under way longer than that can differ, and such an episode has been
// proposed already (its start then comes from ActiveWarning.EpisodeStart).
func (p *Plan) Lookback() time.Duration {
	return hours(p.maxHours) + p.Timing.MergeGap() + p.Window()
}

// MaxLevel is the plan's highest level.
func (p *Plan) MaxLevel() Level { return Level(len(p.Levels)) }

// Spec returns the level's definition, nil for LevelNone or a level out of range.
func (p *Plan) Spec(l Level) *LevelSpec {
	if l < 1 || int(l) > len(p.Levels) {
		return nil
	}
	return &p.Levels[l-1]
}

// LevelID returns the plan id of l ("none" for LevelNone).
func (p *Plan) LevelID(l Level) string {
	if s := p.Spec(l); s != nil {
		return s.ID
	}
	return levelNoneID
}

// LevelByID finds a level by id; "none" is LevelNone.
func (p *Plan) LevelByID(id string) (Level, bool) {
	if id == levelNoneID {
		return LevelNone, true
	}
	for i, l := range p.Levels {
		if l.ID == id {
			return Level(i + 1), true
		}
	}
	return LevelNone, false
}

// levelByRef accepts a level id or a response label (Ⅲ).
func (p *Plan) levelByRef(ref string) (Level, bool) {
	if l, ok := p.LevelByID(ref); ok {
		return l, true
	}
	for i, l := range p.Levels {
		if l.Response == ref {
			return Level(i + 1), true
		}
	}
	return LevelNone, false
}

// Role finds a role by id.
func (p *Plan) Role(id string) (Role, bool) {
	for _, r := range p.Roles {
		if r.ID == id {
			return r, true
		}
	}
	return Role{}, false
}

// Region finds a region by id.
func (p *Plan) Region(id string) (Region, bool) {
	for _, r := range p.Regions {
		if r.ID == id {
			return r, true
		}
	}
	return Region{}, false
}

// Chain returns the approval chain for an action towards a target level
// (LevelNone for lift and health notice).
func (p *Plan) Chain(a Action, target Level) (*Chain, error) {
	id := p.LevelID(target)
	for i := range p.Approvals {
		if p.Approvals[i].matches(a, id) {
			return &p.Approvals[i], nil
		}
	}
	return nil, &Error{Code: CodeNoChain,
		Message:   fmt.Sprintf("plan %s has no approval chain for %s to %s", p.ID, a, id),
		MessageZH: fmt.Sprintf("预案 %s 未规定 %s（%s）的审批程序", p.ID, a, id)}
}

func (c *Chain) matches(a Action, levelID string) bool {
	return slices.Contains(c.Actions, a) && (len(c.Levels) == 0 || slices.Contains(c.Levels, levelID))
}

// MeasuresFor returns the measures in force at level l, cumulative: a
// measure applies from its level upwards. LevelNone returns the measures of
// the health notice.
func (p *Plan) MeasuresFor(l Level) []Measure {
	var out []Measure
	for _, m := range p.Measures {
		if l == LevelNone {
			if m.Level == p.HealthNotice.ID {
				out = append(out, m)
			}
			continue
		}
		if ml, ok := p.levelByRef(m.Level); ok && ml != LevelNone && ml <= l {
			out = append(out, m)
		}
	}
	return out
}

func hours(n int) time.Duration { return time.Duration(n) * time.Hour }

// validate returns every problem of the plan, in file order.
func (p *Plan) validate() []string {
	var pr problems
	if p.ID == "" {
		pr.add("id: missing")
	}
	if p.WindowHours <= 0 {
		pr.add("window_hours: must be > 0, got %d", p.WindowHours)
	}

	regions := map[string]bool{}
	if len(p.Regions) == 0 {
		pr.add("regions: none defined")
	}
	for i, r := range p.Regions {
		at := fmt.Sprintf("regions[%d]", i)
		pr.id(at, r.ID, regions)
		if r.NameZH == "" {
			pr.add("%s (%s): name_zh missing", at, r.ID)
		}
	}
	for i, r := range p.Regions {
		if r.Parent != "" && !regions[r.Parent] {
			pr.add("regions[%d] (%s): unknown parent %q", i, r.ID, r.Parent)
		}
	}
	if len(p.Regions) > 0 && len(p.WarningRegions()) == 0 {
		pr.add("regions: every region has warnings: false; the plan would never warn")
	}

	roles := map[string]bool{}
	for i, r := range p.Roles {
		at := fmt.Sprintf("roles[%d]", i)
		pr.id(at, r.ID, roles)
		if r.NameZH == "" || r.NameEN == "" {
			pr.add("%s (%s): name_zh and name_en are required", at, r.ID)
		}
	}

	p.validateLevels(&pr)

	hn := p.HealthNotice
	if hn.ID == "" {
		pr.add("health_notice.id: missing")
	} else if hn.ID == levelNoneID {
		pr.add("health_notice.id: %q is reserved", levelNoneID)
	}
	if hn.HorizonHours <= 0 {
		pr.add("health_notice.horizon_hours: must be > 0, got %d", hn.HorizonHours)
	}
	if len(hn.AnyOf) == 0 {
		pr.add("health_notice.any_of: no limits")
	}
	quantities := map[string]bool{}
	for i, c := range hn.AnyOf {
		at := fmt.Sprintf("health_notice.any_of[%d]", i)
		pr.id(at+".quantity", c.Quantity, quantities)
		if c.Above <= 0 {
			pr.add("%s: above must be > 0, got %v", at, c.Above)
		}
	}

	t := p.Timing
	for _, f := range []struct {
		name string
		v    int
		min  int
	}{{"persist_hours", t.PersistHours, 1}, {"forecast_coverage_hours", t.ForecastCoverageHours, 1},
		{"episode_merge_gap_hours", t.MergeGapHours, 1}, {"lead_time_hours", t.LeadTimeHours, 0}} {
		if f.v < f.min {
			pr.add("timing.%s: must be ≥ %d, got %d", f.name, f.min, f.v)
		}
	}

	p.Decisions.validate(&pr)
	p.validateChains(&pr, roles)

	units := map[string]bool{}
	for i, u := range p.Units {
		at := fmt.Sprintf("units[%d]", i)
		pr.id(at, u.ID, units)
		switch u.Role {
		case "", UnitMember, UnitOffice, UnitUpstream:
		default:
			pr.add("%s (%s): role must be member, office or upstream, got %q", at, u.ID, u.Role)
		}
		for j, c := range u.Channels {
			if c.Kind == "" {
				pr.add("%s (%s).channels[%d]: kind missing", at, u.ID, j)
			}
		}
	}
	measures := map[string]bool{}
	for i, m := range p.Measures {
		at := fmt.Sprintf("measures[%d]", i)
		pr.id(at, m.ID, measures)
		if !p.measureLevelKnown(m.Level) {
			pr.add("%s (%s): unknown level %q", at, m.ID, m.Level)
		}
		switch m.Kind {
		case MeasureHealth, MeasureAdvisory, MeasureMandatory, MeasureDuty:
		default:
			pr.add("%s (%s): kind must be health, advisory, mandatory or duty, got %q", at, m.ID, m.Kind)
		}
		for _, u := range m.Units {
			if !units[u] {
				pr.add("%s (%s): unknown unit %q", at, m.ID, u)
			}
		}
	}
	return pr.list
}

func (p *Plan) measureLevelKnown(ref string) bool {
	if ref == "" || ref == levelNoneID {
		return false
	}
	if ref == p.HealthNotice.ID {
		return true
	}
	_, ok := p.levelByRef(ref)
	return ok
}

func (p *Plan) validateLevels(pr *problems) {
	if len(p.Levels) == 0 {
		pr.add("levels: none defined")
	}
	ids := map[string]bool{}
	responses := map[string]bool{}
	for i, l := range p.Levels {
		at := fmt.Sprintf("levels[%d]", i)
		pr.id(at, l.ID, ids)
		if l.ID == levelNoneID || (l.ID != "" && l.ID == p.HealthNotice.ID) {
			pr.add("%s: id %q is reserved", at, l.ID)
		}
		at = fmt.Sprintf("%s (%s)", at, l.ID)
		if l.NameZH == "" || l.NameEN == "" {
			pr.add("%s: name_zh and name_en are required", at)
		}
		if l.Response == "" {
			pr.add("%s: response level missing", at)
		} else if responses[l.Response] {
			pr.add("%s: response level %q used twice", at, l.Response)
		}
		responses[l.Response] = true
		if len(l.AnyOf) == 0 {
			pr.add("%s: any_of has no conditions", at)
		}
		for j, c := range l.AnyOf {
			if len(c.AllOf) == 0 {
				pr.add("%s.any_of[%d]: all_of has no terms", at, j)
			}
			for k, t := range c.AllOf {
				if t.AQIAbove < 0 || t.AQIAbove >= 500 {
					pr.add("%s.any_of[%d].all_of[%d]: aqi_above must be in [0, 500), got %d", at, j, k, t.AQIAbove)
				}
				if t.MinHours <= 0 {
					pr.add("%s.any_of[%d].all_of[%d]: min_hours must be > 0, got %d", at, j, k, t.MinHours)
				}
			}
		}
	}
	// A higher level must ask for more: if a lower level's alternative
	// implies a higher one's, the lower level can never be the answer in
	// that case, which is a transcription error (thresholds or durations
	// not increasing with the level).
	for hi := 1; hi < len(p.Levels); hi++ {
		for lo := 0; lo < hi; lo++ {
			for a, ca := range p.Levels[hi].AnyOf {
				for b, cb := range p.Levels[lo].AnyOf {
					if len(ca.AllOf) > 0 && implies(cb, ca) {
						pr.add("levels[%d] (%s).any_of[%d] holds whenever levels[%d] (%s).any_of[%d] does: thresholds or durations must increase with the level",
							hi, p.Levels[hi].ID, a, lo, p.Levels[lo].ID, b)
					}
				}
			}
		}
	}
}

// implies reports whether condition a holding guarantees b holds: every term
// of b is met by a run that a's terms already require (same or higher
// threshold, same or longer duration).
func implies(a, b Condition) bool {
	for _, tb := range b.AllOf {
		met := false
		for _, ta := range a.AllOf {
			if ta.AQIAbove >= tb.AQIAbove && ta.MinHours >= tb.MinHours {
				met = true
				break
			}
		}
		if !met {
			return false
		}
	}
	return true
}

func (p *Plan) validateChains(pr *problems, roles map[string]bool) {
	ids := map[string]bool{}
	for i, c := range p.Approvals {
		at := fmt.Sprintf("approvals[%d]", i)
		pr.id(at, c.ID, ids)
		at = fmt.Sprintf("%s (%s)", at, c.ID)
		if len(c.Actions) == 0 {
			pr.add("%s: no actions", at)
		}
		for _, a := range c.Actions {
			if !slices.Contains(knownActions, a) {
				pr.add("%s: unknown action %q", at, a)
			}
		}
		for _, l := range c.Levels {
			if _, ok := p.LevelByID(l); !ok {
				pr.add("%s: unknown level %q", at, l)
			}
		}
		if len(c.Steps) == 0 {
			pr.add("%s: no steps", at)
		}
		seen := map[string]bool{}
		for j, s := range c.Steps {
			if len(s.AllOf)+len(s.AnyOf) == 0 {
				pr.add("%s.steps[%d]: no roles", at, j)
			}
			for _, r := range s.roles() {
				if !roles[r] {
					pr.add("%s.steps[%d]: unknown role %q", at, j, r)
				}
				if seen[r] {
					pr.add("%s.steps[%d]: role %q appears twice in the chain", at, j, r)
				}
				seen[r] = true
			}
		}
	}
	// Every proposal the engine can make needs exactly one chain.
	type need struct {
		a  Action
		id string
	}
	var needs []need
	for i, l := range p.Levels {
		needs = append(needs, need{ActionIssue, l.ID})
		if i > 0 {
			needs = append(needs, need{ActionUpgrade, l.ID})
		}
		if i < len(p.Levels)-1 {
			needs = append(needs, need{ActionDowngrade, l.ID})
		}
		needs = append(needs, need{ActionUpstream, l.ID}, need{ActionManual, l.ID},
			need{ActionExtend, l.ID}, need{ActionResume, l.ID})
	}
	needs = append(needs, need{ActionLift, levelNoneID}, need{ActionManual, levelNoneID},
		need{ActionHealthNotice, levelNoneID}, need{ActionPause, levelNoneID})
	for _, n := range needs {
		var found []string
		for _, c := range p.Approvals {
			if c.matches(n.a, n.id) {
				found = append(found, c.ID)
			}
		}
		switch {
		case len(found) == 0:
			pr.add("approvals: no chain for %s to %s", n.a, n.id)
		case len(found) > 1:
			pr.add("approvals: %s to %s matches several chains (%s)", n.a, n.id, strings.Join(found, ", "))
		}
	}
}

type problems struct{ list []string }

func (p *problems) add(format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

// id checks an identifier is present and unique within seen.
func (p *problems) id(at, id string, seen map[string]bool) {
	switch {
	case id == "":
		p.add("%s: id missing", at)
	case seen[id]:
		p.add("%s: duplicate id %q", at, id)
	}
	seen[id] = true
}

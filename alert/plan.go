package alert

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
	"gopkg.in/yaml.v3"

	"github.com/aqwarn/aqwarn/internal/yamlline"
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

// Quantity names of the health-notice rule: the forecast intake delivers
// Concentrations.Values under these names, and a plan may use no other
// (a misspelt quantity would be a limit that never fires).
const (
	QuantityPM10_24h  = "pm10_24h"
	QuantityPM2_5_24h = "pm2_5_24h"
	QuantityO3_8h     = "o3_8h"
)

var knownQuantities = []string{QuantityPM10_24h, QuantityPM2_5_24h, QuantityO3_8h}

// ChannelKinds returns the channel kinds the service delivers on, the only
// kinds a plan may name: a unit's channel of another kind would fail at the
// first warning. Package notify has a notifier for each (its tests check
// that its Channel* constants are this list).
func ChannelKinds() []string { return []string{"mqtt", "webhook", "dingtalk", "wecom", "email", "sms"} }

// Follow-up recipients (plan 7): the command office (units with role
// office), or every member unit that had tasks in the response.
const (
	FollowUpToOffice         = "office"
	FollowUpToUnitsWithTasks = "units_with_tasks"
)

// CAPEnumerations returns the OASIS CAP 1.2 values a level's cap block may
// use, by its key in the plan file.
func CAPEnumerations() map[string][]string {
	return map[string][]string{
		"urgency":        {"Immediate", "Expected", "Future", "Past", "Unknown"},
		"severity":       {"Extreme", "Severe", "Moderate", "Minor", "Unknown"},
		"certainty":      {"Observed", "Likely", "Possible", "Unlikely", "Unknown"},
		"response_types": {"Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"},
	}
}

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
	None         NoWarning        `yaml:"none"` // how "no warning" is named
	Units        []Unit           `yaml:"units"`
	Measures     []Measure        `yaml:"measures"`
	// FollowUps are the tasks a lift creates (plan 7); none when empty.
	FollowUps []FollowUp `yaml:"followups"`

	src        *yaml.Node // the parsed file while it is validated (lines of problems)
	thresholds []int
	maxHours   int
}

// NoWarning names the state without a warning (LevelNone) in messages, e.g.
// the level a lift leads to.
type NoWarning struct {
	NameZH string `yaml:"name_zh"`
	NameEN string `yaml:"name_en"`
}

// FollowUp is one plan-7 task created when a warning is lifted, due at the
// end of the DueWorkingDays-th working day after the response ends.
type FollowUp struct {
	ID             string `yaml:"id"`
	To             string `yaml:"to"` // office | units_with_tasks
	DueWorkingDays int    `yaml:"due_working_days"`
	TextZH         string `yaml:"text_zh"`
	TextEN         string `yaml:"text_en"`
}

// Region is an area the plan covers: the county (no parent) or a town —
// the one Region of the service (aqwarn.Region).
type Region = aqwarn.Region

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
	CAP        LevelCAP    `yaml:"cap"`
}

// LevelCAP grades a level in CAP 1.2 messages (info/urgency, severity,
// certainty and responseType); a lift is graded by package cap
// (Past/Minor/Observed, AllClear), whatever the level.
type LevelCAP struct {
	Urgency       string   `yaml:"urgency"`
	Severity      string   `yaml:"severity"`
	Certainty     string   `yaml:"certainty"`
	ResponseTypes []string `yaml:"response_types"`
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
	// UnitSource is a source of the emission-reduction list (package
	// reduction) told its own measures like a member unit is told its
	// tasks. A plan may not give its units this role: the list holds them.
	UnitSource = "source"
)

// Channel is one way to reach a unit (kind: one of ChannelKinds). Secrets
// are never in the plan: SecretEnv names the environment variable holding
// the signing key.
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

// ParsePlan decodes and validates a plan. Unknown keys are errors anywhere
// in the file (a typo must not silently drop a rule, a measure's public
// text or a channel's secret), and so are values outside the plan's
// vocabulary (channel kinds, health-notice quantities, CAP grades). The
// error lists every problem found, with its line where one is known.
func ParsePlan(b []byte) (*Plan, error) {
	var p Plan
	root, problems, err := yamlline.Decode(b, &p)
	if err != nil && !errors.Is(err, yamlline.ErrEmpty) { // an empty plan is checked, and found wanting
		return nil, planError([]string{err.Error()})
	}
	p.src = root
	problems = append(problems, p.validate()...)
	p.src = nil
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

// line returns "line N: " for the value at path (mapping keys and sequence
// indexes from the top of the file), as yaml's own errors begin, or "" when
// the plan was not read from a file or the path is not in it. A mapping or
// sequence under a key is on the key's line (a block one starts below it).
func (p *Plan) line(path ...any) string {
	if line, found := yamlline.Find(p.src, path...); found {
		return fmt.Sprintf("line %d: ", line)
	}
	return ""
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
	return p.levelWhere(func(l LevelSpec) bool { return l.ID == id })
}

// levelWhere is the first level for which is holds.
func (p *Plan) levelWhere(is func(LevelSpec) bool) (Level, bool) {
	if i := slices.IndexFunc(p.Levels, is); i >= 0 {
		return Level(i + 1), true
	}
	return LevelNone, false
}

// levelByRef accepts a level id or a response label (Ⅲ).
func (p *Plan) levelByRef(ref string) (Level, bool) {
	if l, ok := p.LevelByID(ref); ok {
		return l, true
	}
	return p.levelWhere(func(l LevelSpec) bool { return l.Response == ref })
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

// Within reports whether region id is region or lies under it (its
// parent, or its parent's, …). A cycle or an unknown region ends the
// walk: false.
func (p *Plan) Within(id, region string) bool {
	for n := 0; id != "" && n <= len(p.Regions); n++ {
		if id == region {
			return true
		}
		r, ok := p.Region(id)
		if !ok {
			return false
		}
		id = r.Parent
	}
	return false
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
	if p.None.NameZH == "" || p.None.NameEN == "" {
		pr.add("%snone: name_zh and name_en are required (how messages name no warning)", p.line("none"))
	}

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
		if c.Quantity != "" && !slices.Contains(knownQuantities, c.Quantity) {
			pr.add("%s%s.quantity: unknown quantity %q; the forecast delivers %s",
				p.line("health_notice", "any_of", i, "quantity"), at, c.Quantity, strings.Join(knownQuantities, ", "))
		}
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
	kinds := ChannelKinds()
	for i, u := range p.Units {
		at := fmt.Sprintf("units[%d]", i)
		pr.id(at, u.ID, units)
		switch u.Role {
		case "", UnitMember, UnitOffice, UnitUpstream:
		default:
			pr.add("%s%s (%s): role must be member, office or upstream, got %q", p.line("units", i, "role"), at, u.ID, u.Role)
		}
		for j, c := range u.Channels {
			switch {
			case c.Kind == "":
				pr.add("%s%s (%s).channels[%d]: kind missing", p.line("units", i, "channels", j), at, u.ID, j)
			case !slices.Contains(kinds, c.Kind):
				pr.add("%s%s (%s).channels[%d].kind: unknown channel kind %q; the service delivers on %s",
					p.line("units", i, "channels", j, "kind"), at, u.ID, j, c.Kind, strings.Join(kinds, ", "))
			}
		}
	}
	measures := map[string]bool{}
	for i, m := range p.Measures {
		at := fmt.Sprintf("measures[%d]", i)
		pr.id(at, m.ID, measures)
		if !p.measureLevelKnown(m.Level) {
			pr.add("%s%s (%s): unknown level %q", p.line("measures", i, "level"), at, m.ID, m.Level)
		}
		switch m.Kind {
		case MeasureHealth, MeasureAdvisory, MeasureMandatory, MeasureDuty:
		default:
			pr.add("%s%s (%s): kind must be health, advisory, mandatory or duty, got %q", p.line("measures", i, "kind"), at, m.ID, m.Kind)
		}
		for _, u := range m.Units {
			if !units[u] {
				pr.add("%s%s (%s): unknown unit %q", p.line("measures", i, "units"), at, m.ID, u)
			}
		}
	}
	p.validateFollowUps(&pr, measures)
	return pr.list
}

// validateFollowUps checks the plan-7 tasks; measures holds the measure ids,
// which a follow-up id must not repeat (both are task ids on a unit's board).
func (p *Plan) validateFollowUps(pr *problems, measures map[string]bool) {
	office := slices.ContainsFunc(p.Units, func(u Unit) bool { return u.Role == UnitOffice })
	ids := map[string]bool{}
	for i, f := range p.FollowUps {
		at := fmt.Sprintf("followups[%d]", i)
		pr.id(at, f.ID, ids)
		if measures[f.ID] {
			pr.add("%s%s: id %q is also a measure's", p.line("followups", i, "id"), at, f.ID)
		}
		at = fmt.Sprintf("%s (%s)", at, f.ID)
		switch f.To {
		case FollowUpToOffice:
			if !office {
				pr.add("%s%s: to office, but no unit has role office", p.line("followups", i, "to"), at)
			}
		case FollowUpToUnitsWithTasks:
		default:
			pr.add("%s%s.to: must be %s or %s, got %q", p.line("followups", i, "to"), at,
				FollowUpToOffice, FollowUpToUnitsWithTasks, f.To)
		}
		if f.DueWorkingDays < 1 {
			pr.add("%s%s.due_working_days: must be ≥ 1, got %d", p.line("followups", i, "due_working_days"), at, f.DueWorkingDays)
		}
		if f.TextZH == "" || f.TextEN == "" {
			pr.add("%s%s: text_zh and text_en are required", p.line("followups", i), at)
		}
	}
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
		p.validateCAP(pr, i, at, l.CAP)
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

// validateCAP checks a level's CAP grades against CAP 1.2's enumerations.
func (p *Plan) validateCAP(pr *problems, i int, at string, c LevelCAP) {
	enum := CAPEnumerations()
	block := p.line("levels", i, "cap") // a missing grade: the block, else the level
	if block == "" {
		block = p.line("levels", i)
	}
	for _, f := range []struct{ key, v string }{{"urgency", c.Urgency}, {"severity", c.Severity}, {"certainty", c.Certainty}} {
		switch {
		case f.v == "":
			pr.add("%s%s.cap.%s: missing (one of %s)", block, at, f.key, strings.Join(enum[f.key], ", "))
		case !slices.Contains(enum[f.key], f.v):
			pr.add("%s%s.cap.%s: %q is not a CAP 1.2 %s (one of %s)", p.line("levels", i, "cap", f.key), at, f.key, f.v,
				f.key, strings.Join(enum[f.key], ", "))
		}
	}
	if len(c.ResponseTypes) == 0 {
		pr.add("%s%s.cap.response_types: missing (some of %s)", block, at, strings.Join(enum["response_types"], ", "))
	}
	seen := map[string]bool{}
	for j, r := range c.ResponseTypes {
		switch {
		case !slices.Contains(enum["response_types"], r):
			pr.add("%s%s.cap.response_types[%d]: %q is not a CAP 1.2 responseType (one of %s)", p.line("levels", i, "cap", "response_types", j),
				at, j, r, strings.Join(enum["response_types"], ", "))
		case seen[r]:
			pr.add("%s%s.cap.response_types[%d]: %q twice", p.line("levels", i, "cap", "response_types", j), at, j, r)
		}
		seen[r] = true
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

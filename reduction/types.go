package reduction

import (
	"fmt"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"gopkg.in/yaml.v3"
)

// References in comments: "notes" is shared/reference/reduction-list-notes.md;
// "plan" is the county plan 江政办发〔2024〕1号; tags in brackets ([V N6],
// [V-2 G2], [K]) are the notes' source tags.

// Warning levels of the list (notes §7 P0). yellow, orange and red are the
// plan's level ids; pre is the below-yellow tier of "light/moderate
// pollution temporary measures" (plan 4.2), which the service enters for the
// plan's health notice. Levels are cumulative: red ⊇ orange ⊇ yellow ⊇ pre
// (plan 5.2).
const (
	LevelPre    = "pre"
	LevelYellow = "yellow"
	LevelOrange = "orange"
	LevelRed    = "red"
)

// levels is the order of the tiers, lowest first; an index into it is how
// the code compares levels.
var levels = []string{LevelPre, LevelYellow, LevelOrange, LevelRed}

// Levels returns the list's levels, lowest first.
func Levels() []string { return append([]string(nil), levels...) }

// levelIndex is the position of a level in levels, -1 for "" (no warning)
// and -2 for anything else.
func levelIndex(level string) int {
	if level == "" {
		return -1
	}
	for i, l := range levels {
		if l == level {
			return i
		}
	}
	return -2
}

// Source types (notes §2.3: the list covers industrial, dust and mobile
// sources, plan 3.1).
const (
	SourceIndustrial       = "industrial"        // a factory with emitting lines
	SourceDustConstruction = "dust_construction" // a building or road site (plan 5.2 dust)
	SourceDustMine         = "dust_mine"         // a mine or quarry
	SourceDustYard         = "dust_yard"         // a stone, sand or material yard
	SourceMobileBulk       = "mobile_bulk"       // a bulk-transport firm (plan 5.2 mobile)
	SourceOther            = "other"             // listed for completeness, no level duty
)

var sourceTypes = []string{SourceIndustrial, SourceDustConstruction, SourceDustMine, SourceDustYard, SourceMobileBulk, SourceOther}

// Performance grades (绩效分级, notes §2.4 [V N2, G2]). Unrated is a firm that
// was never graded (or whose grade lapsed): it counts as the lowest grade of
// its industry (notes §7 [V G2]).
const (
	GradeAPlus      = "A+"
	GradeA          = "A"
	GradeB          = "B"
	GradeBMinus     = "B-"
	GradeC          = "C"
	GradeD          = "D"
	GradeLeading    = "引领性"
	GradeNonLeading = "非引领性"
	GradeUnrated    = "unrated"
)

var grades = []string{GradeAPlus, GradeA, GradeB, GradeBMinus, GradeC, GradeD, GradeLeading, GradeNonLeading, GradeUnrated}

// gradeRank orders grades from best (0) to worst, to find the lowest grade
// of an industry table: the industries with 引领性/非引领性 put them beside
// A and below C (notes §2.4).
var gradeRank = map[string]int{
	GradeAPlus: 0, GradeA: 1, GradeLeading: 1, GradeB: 2, GradeBMinus: 3, GradeC: 4, GradeNonLeading: 5, GradeD: 6,
}

// selfDetermined reports whether a grade reduces by itself (自主减排): A, A+
// and 引领性 (notes §2.4, §7 [V N8]).
func selfDetermined(grade string) bool {
	return grade == GradeAPlus || grade == GradeA || grade == GradeLeading
}

// Operating status of a source (notes §7 P0 data model).
const (
	StatusProducing   = "producing"    // in production: the level duties apply
	StatusStopped     = "stopped"      // stopped for now; measures apply when it restarts
	StatusLongStopped = "long_stopped" // 长期停产 (notes §2.3 L2): nothing to do but stay stopped
)

var statuses = []string{StatusProducing, StatusStopped, StatusLongStopped}

// Guarantee kinds (保障类, notes §2.3 [V N5], G9): firms in the list but
// capped at their approved load instead of stopped.
const (
	GuaranteeLivelihood   = "livelihood"    // 民生保障
	GuaranteeCityOps      = "city_ops"      // 城市运行保障
	GuaranteeStrategic    = "strategic"     // 战略性产业
	GuaranteeMajorProject = "major_project" // 重大工程
)

var guaranteeKinds = []string{GuaranteeLivelihood, GuaranteeCityOps, GuaranteeStrategic, GuaranteeMajorProject}

// Discharge-permit classes (排污许可管理类别: 重点/简化/登记, notes §7 P0).
var permitClasses = []string{"key", "simplified", "registration"}

// Unit kinds (notes §7 P0): measures stop or limit production units; a
// treatment facility is never stopped by a measure (it must run as long as
// production does, notes §3.2 [V E15]).
const (
	UnitProduction = "production"
	UnitTreatment  = "treatment"
	UnitAuxiliary  = "auxiliary"
)

var unitKinds = []string{UnitProduction, UnitTreatment, UnitAuxiliary}

// Measure actions (notes §7 P0). The production actions (stop_unit,
// stop_process, limit_pct, cap_indicator) are comparable by strength; the
// others each stand on their own.
const (
	ActionStopUnit       = "stop_unit"       // stop a line or facility (停线/停窑/停炉)
	ActionLimitPct       = "limit_pct"       // cut output by Value percent of the reduction base
	ActionCapIndicator   = "cap_indicator"   // hold a key indicator at or below Value (e.g. feed ≤ 768 t/d, notes §2.3 L2)
	ActionStopProcess    = "stop_process"    // stop a process step (停工序, e.g. spraying)
	ActionHDVBanCN4      = "hdv_ban_cn4"     // no China-IV-and-below heavy trucks (plan 5.2 Ⅱ, notes §2.6)
	ActionNonroadBanCN2  = "nonroad_ban_cn2" // no China-II-and-below non-road machinery (plan 5.2 Ⅱ)
	ActionStopEarthworks = "stop_earthworks" // stop earthworks, demolition, spraying, mixing, muck hauling (plan 5.2 Ⅲ)
	ActionStopOpenAir    = "stop_open_air"   // mines, quarries, yards stop open-air work (plan 5.2 Ⅲ)
	ActionCoverAndSpray  = "cover_and_spray" // cover bare soil and stockpiles, spray water
	ActionSelfDetermined = "self_determined" // 自主减排 (A, A+, 引领性; notes §2.4 [V N8])
	ActionCustom         = "custom"          // anything else, said in its text
)

var actions = []string{ActionStopUnit, ActionLimitPct, ActionCapIndicator, ActionStopProcess, ActionHDVBanCN4,
	ActionNonroadBanCN2, ActionStopEarthworks, ActionStopOpenAir, ActionCoverAndSpray, ActionSelfDetermined, ActionCustom}

// production reports whether an action stops or limits output: those are
// compared by strength, refused for heating, replaced by the cap for
// guarantee firms.
func production(action string) bool {
	switch action {
	case ActionStopUnit, ActionStopProcess, ActionLimitPct, ActionCapIndicator:
		return true
	}
	return false
}

// stops reports whether an action stops a unit outright.
func stops(action string) bool { return action == ActionStopUnit || action == ActionStopProcess }

// How a measure's execution is checked (notes §3, §7 P1).
var verifyMethods = []string{"power", "cems", "gate", "onsite", "video"}

// ChannelSMS is the channel kind the list adds to the plan's: an SMS-gateway
// webhook reaches firms that have no robot or mailbox (notes §7 P0 notices).
const ChannelSMS = "sms"

// Hotline is the national environmental complaints line (12369) printed on
// every public page and signboard (notes §7 P2).
const Hotline = "12369"

// List is one year's emergency emission-reduction list (重污染天气应急减排清单,
// plan 1.4, 3.1, 9.3; notes §7 P0). Load it with Load or Parse, which
// validate it; a List built by hand is resolved the same way but was not
// checked.
type List struct {
	// ID names the list, e.g. "jianghua-2026".
	ID string `yaml:"id" json:"id"`
	// Year is the year whose 30 September is the list's filing deadline
	// (plan 9.3); the list is in force from 1 October of that year to 30
	// September of the next (notes §7 P2).
	Year int `yaml:"year" json:"year"`
	// County is the plan region the list covers (the county's region id).
	County string `yaml:"county" json:"county"`
	// NameZH is the list's title.
	NameZH string `yaml:"name_zh" json:"name_zh"`
	// Notices holds the deadlines of the notices to listed firms (notes §7
	// P0 "Deadlines", defaults from Changzhou [V L7]); the service applies
	// them.
	Notices Notices `yaml:"notices" json:"notices"`
	// GradeDefaults are the per-industry grade → level → measures tables
	// that apply when a firm lists no measures of its own for a level
	// (notes §2.5, §7 P0).
	GradeDefaults []GradeTable `yaml:"grade_defaults" json:"grade_defaults"`
	// Enterprises are the listed sources: factories, sites, transport firms.
	Enterprises []Enterprise `yaml:"enterprises" json:"enterprises"`

	byID map[string]int // enterprise index by id, built by Parse
}

// Notices holds the deadlines for notices to listed firms (notes §7 P0
// "notices", [V L7] Changzhou: response ≤ 1 h, signed report ≤ 24 h).
type Notices struct {
	// AckWithin: a firm acknowledges a notice within this long.
	AckWithin Duration `yaml:"ack_within" json:"ack_within"`
	// ReportWithin: a firm sends its execution report within this long.
	ReportWithin Duration `yaml:"report_within" json:"report_within"`
	// ResendAfter: an unacknowledged notice is sent again after this long.
	ResendAfter Duration `yaml:"resend_after" json:"resend_after"`
	// EscalateToSupervisorAfter: still unacknowledged, the firm's
	// supervising units are told after this long.
	EscalateToSupervisorAfter Duration `yaml:"escalate_to_supervisor_after" json:"escalate_to_supervisor_after"`
	// EscalateToOfficeAfter: still unacknowledged, the command office is
	// told after this long.
	EscalateToOfficeAfter Duration `yaml:"escalate_to_office_after" json:"escalate_to_office_after"`
	// Office is the plan unit id of the command office (ecology_branch in
	// the county plan, 10.3).
	Office string `yaml:"office" json:"office"`
}

// GradeTable is one guide industry's default measures per grade and level
// (notes §2.5: cement clinker [V-2 N6], flat glass [V-2 L2]; other
// industries are local defaults [K]).
type GradeTable struct {
	// Industry is the guide industry id that Enterprise.GuideIndustry names
	// (one of the 39 key industries of the 2020 guide, or "other").
	Industry string `yaml:"industry" json:"industry"`
	// NameZH is the industry's name in the guide.
	NameZH string `yaml:"name_zh" json:"name_zh"`
	// Source says where the numbers come from (document and notes tag).
	Source string `yaml:"source" json:"source"`
	// Grades are the rows. A+, A and 引领性 have none: they are
	// self-determined by rule. The worst grade present is what an unrated
	// firm gets.
	Grades []GradeRow `yaml:"grades" json:"grades"`
}

// GradeRow is the default measures of one grade, per level. A level left
// out (nil) means the table gives no default for it; an empty list ([])
// means the guide asks nothing at that level — both resolve to no
// measure, but only the second counts as a fallback for the "missing
// level" check.
type GradeRow struct {
	// Grade is the grade the row is for (B, B-, C, D, 非引领性).
	Grade  string           `yaml:"grade" json:"grade"`
	Pre    []DefaultMeasure `yaml:"pre" json:"pre,omitempty"`
	Yellow []DefaultMeasure `yaml:"yellow" json:"yellow"`
	Orange []DefaultMeasure `yaml:"orange" json:"orange"`
	Red    []DefaultMeasure `yaml:"red" json:"red"`
}

// at returns the row's measures for a level index.
func (r *GradeRow) at(li int) []DefaultMeasure {
	switch li {
	case 0:
		return r.Pre
	case 1:
		return r.Yellow
	case 2:
		return r.Orange
	case 3:
		return r.Red
	}
	return nil
}

// DefaultMeasure is a measure of a grade table: it has no targets (it
// applies to every production unit of the firm) and no responsible person.
type DefaultMeasure struct {
	// Action is one of the measure actions; cap_indicator is not allowed
	// (an absolute limit needs the firm's own indicator).
	Action string `yaml:"action" json:"action"`
	// Value is the cut in percent for limit_pct, otherwise 0.
	Value float64 `yaml:"value,omitempty" json:"value,omitempty"`
	// TextZH and TextEN are what the notice says.
	TextZH string `yaml:"text_zh" json:"text_zh"`
	TextEN string `yaml:"text_en,omitempty" json:"text_en,omitempty"`
	// VerifyBy are how execution is checked (power, cems, gate, onsite, video).
	VerifyBy []string `yaml:"verify_by,omitempty" json:"verify_by,omitempty"`
}

// Enterprise is one listed source: a factory, a dust site or a transport
// firm (notes §2.3 per-enterprise fields, §7 P0 data model).
type Enterprise struct {
	// ID is the list's own id of the source, stable across years.
	ID string `yaml:"id" json:"id"`
	// USCC is the unified social credit code (统一社会信用代码, GB 32100-2015),
	// checked at load (notes §7 [K GB 32100]).
	USCC string `yaml:"uscc" json:"uscc"`
	// NameZH is the registered name; NameEN an optional translation.
	NameZH string `yaml:"name_zh" json:"name_zh"`
	NameEN string `yaml:"name_en,omitempty" json:"name_en,omitempty"`
	// SourceType is industrial, dust_construction, dust_mine, dust_yard,
	// mobile_bulk or other (plan 3.1: industrial, mobile and dust sources).
	SourceType string `yaml:"source_type" json:"source_type"`
	// IndustryCode is the GB/T 4754-2017 class, e.g. "3011" (notes §2.3: the
	// review checks it, [V L1]).
	IndustryCode string `yaml:"industry_code,omitempty" json:"industry_code,omitempty"`
	// GuideIndustry names the grade table that applies (cement_clinker,
	// flat_glass, …, other); required for industrial sources.
	GuideIndustry string `yaml:"guide_industry,omitempty" json:"guide_industry,omitempty"`
	// Town is the plan region (town) the source is in; Park the industrial
	// park, if any (江华高新区 builds the park's list, plan 10.3).
	Town    string `yaml:"town" json:"town"`
	Park    string `yaml:"park,omitempty" json:"park,omitempty"`
	Address string `yaml:"address,omitempty" json:"address,omitempty"`
	// Lon and Lat locate the source in decimal degrees (0, 0: not given).
	Lon float64 `yaml:"lon,omitempty" json:"lon,omitempty"`
	Lat float64 `yaml:"lat,omitempty" json:"lat,omitempty"`
	// PermitNo is the discharge permit number; PermitClass its class
	// (key 重点, simplified 简化, registration 登记; notes §7 P0).
	PermitNo    string `yaml:"permit_no,omitempty" json:"permit_no,omitempty"`
	PermitClass string `yaml:"permit_class,omitempty" json:"permit_class,omitempty"`
	// Grade is the performance grade (A+, A, B, B-, C, D, 引领性, 非引领性,
	// unrated; notes §2.4), valid from GradeFrom through GradeTo (both
	// optional), decided by GradeSource (the decision document). A grade
	// outside its dates counts as unrated (notes §7).
	Grade       string `yaml:"grade,omitempty" json:"grade,omitempty"`
	GradeFrom   Date   `yaml:"grade_from,omitempty" json:"grade_from,omitzero"`
	GradeTo     Date   `yaml:"grade_to,omitempty" json:"grade_to,omitzero"`
	GradeSource string `yaml:"grade_source,omitempty" json:"grade_source,omitempty"`
	// Guarantee marks a guarantee-class firm (保障类): never stopped, capped
	// at its approved load (notes §2.3 [V N5], G9).
	Guarantee *Guarantee `yaml:"guarantee,omitempty" json:"guarantee,omitempty"`
	// SmallMicro marks a small low-emission firm, which may get fewer
	// measures (notes §2.3 [V N5]).
	SmallMicro bool `yaml:"small_micro,omitempty" json:"small_micro,omitempty"`
	// ResidentialHeating marks a residential heating source: listed, never
	// told to stop or limit (notes §2.3 [V N5]).
	ResidentialHeating bool `yaml:"residential_heating,omitempty" json:"residential_heating,omitempty"`
	// Status is producing, stopped or long_stopped.
	Status string `yaml:"status" json:"status"`
	// SupervisingUnits are the plan's member units that notify and inspect
	// the source (plan 4.4, 10.3); at least one.
	SupervisingUnits []string `yaml:"supervising_units" json:"supervising_units"`
	// Contacts are the firm's people for notices. PRIVATE: never public.
	Contacts []Contact `yaml:"contacts,omitempty" json:"contacts,omitempty"`
	// Channels are where the firm's notices go, like a plan unit's (kinds
	// of the plan plus sms). PRIVATE: never public.
	Channels []Channel `yaml:"channels,omitempty" json:"channels,omitempty"`
	// PlanDoc is the firm's "一厂一策" operating plan (plan 3.2).
	PlanDoc *PlanDoc `yaml:"plan_doc,omitempty" json:"plan_doc,omitempty"`
	// Signboard is the public signboard at the gate (plan 3.2, notes §2.7 L5).
	Signboard *Signboard `yaml:"signboard,omitempty" json:"signboard,omitempty"`
	// Monitoring lists what can check the source: online monitors, meters,
	// gate system and vehicles (notes §2.3 L3, §7 P0).
	Monitoring Monitoring `yaml:"monitoring,omitempty" json:"monitoring"`
	// EmissionsBase is the annual emissions per pollutant, t/a (notes §2.3).
	EmissionsBase EmissionsBase `yaml:"emissions_base,omitempty" json:"emissions_base"`
	// Units are the production lines, process steps and treatment
	// facilities that measures name (notes §2.3 granularity, plan 5.2).
	Units []Unit `yaml:"units,omitempty" json:"units,omitempty"`
	// Measures are the firm's own measures per level (一厂一策); a level
	// without any takes the grade defaults.
	Measures []Measure `yaml:"measures,omitempty" json:"measures,omitempty"`
}

// Guarantee is a guarantee-class firm's approval (notes §2.3, G9 "以热定产").
type Guarantee struct {
	// Kind is livelihood, city_ops, strategic or major_project.
	Kind string `yaml:"kind" json:"kind"`
	// ApprovedMaxLoadPct is the highest load the firm may run at during a
	// warning, in percent of its reduction base, in (0, 100].
	ApprovedMaxLoadPct float64 `yaml:"approved_max_load_pct" json:"approved_max_load_pct"`
	// ApprovedTasks are the guaranteed tasks (the only work it may do).
	ApprovedTasks []string `yaml:"approved_tasks,omitempty" json:"approved_tasks,omitempty"`
}

// Contact is a person at the firm: one of its contacts for notices, or
// who answers for a measure (plan 3.2: the responsible person and contact
// for each step). PRIVATE.
type Contact struct {
	Name  string `yaml:"name" json:"name"`
	Phone string `yaml:"phone" json:"phone"`
}

// Channel is one way to reach a firm, as in the plan's units: a kind (the
// plan's channel kinds, or sms), a target (empty for mqtt: the service's
// own broker) and the environment variable holding a signing key. PRIVATE.
type Channel struct {
	Kind      string `yaml:"kind" json:"kind"`
	Target    string `yaml:"target,omitempty" json:"target,omitempty"`
	SecretEnv string `yaml:"secret_env,omitempty" json:"-"`
}

// PlanDoc points at the firm's "一厂一策" file (plan 3.2, notes §7 P0).
type PlanDoc struct {
	// Ref is the document's reference (file name or archive number).
	Ref string `yaml:"ref" json:"ref"`
	// Version is the document's version label.
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	// SHA256 is the file's hash, hex, so a swapped file is noticed.
	SHA256 string `yaml:"sha256,omitempty" json:"sha256,omitempty"`
}

// Signboard is the "公示牌" at the firm's gate (plan 3.2, notes §2.7 L5).
type Signboard struct {
	InstalledAt Date   `yaml:"installed_at,omitempty" json:"installed_at,omitzero"`
	PhotoRef    string `yaml:"photo_ref,omitempty" json:"photo_ref,omitempty"`
}

// Monitoring is what can check the source (notes §2.3 L3, §7 P0).
type Monitoring struct {
	// HJ212MN are the MN codes of its online monitors (HJ 212).
	HJ212MN []string `yaml:"hj212_mn,omitempty" json:"hj212_mn,omitempty"`
	// Meters are its electricity meter ids (power-based checks, notes §3).
	Meters []string `yaml:"meters,omitempty" json:"meters,omitempty"`
	// Gate is its gate system: cargo entrances and barrier gates.
	Gate Gate `yaml:"gate,omitempty" json:"gate"`
	// Vehicles counts its transport vehicles, in-plant vehicles and non-road machines.
	Vehicles Vehicles `yaml:"vehicles,omitempty" json:"vehicles"`
	// DailyTruckEntries is the usual number of truck entries a day; above
	// 10 a firm is a bulk-transport unit (notes §2.6).
	DailyTruckEntries int `yaml:"daily_truck_entries,omitempty" json:"daily_truck_entries,omitempty"`
}

// Gate is a firm's gate system (notes §2.3 L3, §2.6 L4).
type Gate struct {
	Entrances int `yaml:"entrances,omitempty" json:"entrances,omitempty"`
	Barriers  int `yaml:"barriers,omitempty" json:"barriers,omitempty"`
}

// Vehicles counts a firm's vehicles by use (notes §2.3 L3).
type Vehicles struct {
	Transport int `yaml:"transport,omitempty" json:"transport,omitempty"`
	InPlant   int `yaml:"in_plant,omitempty" json:"in_plant,omitempty"`
	NonRoad   int `yaml:"non_road,omitempty" json:"non_road,omitempty"`
}

// Pollutants holds one amount per list pollutant (notes §2.2: SO2, NOx,
// PM, VOCs); the unit is the field's that holds it.
type Pollutants struct {
	SO2  float64 `yaml:"so2,omitempty" json:"so2,omitempty"`
	NOx  float64 `yaml:"nox,omitempty" json:"nox,omitempty"`
	PM   float64 `yaml:"pm,omitempty" json:"pm,omitempty"`
	VOCs float64 `yaml:"vocs,omitempty" json:"vocs,omitempty"`
}

// EmissionsBase is a firm's annual emissions in t/a and where they come from
// (notes §7 P0: permit or inventory).
type EmissionsBase struct {
	Pollutants `yaml:",inline"`
	Source     string `yaml:"source,omitempty" json:"source,omitempty"`
}

// Unit is a production line, process step or facility of a firm (notes §7
// P0 "Unit"): measures are set per unit so they are operable, monitorable
// and checkable (plan 5.2, notes §2.3).
type Unit struct {
	// ID is unique within the firm; measures name it in target_units.
	ID string `yaml:"id" json:"id"`
	// Kind is production, treatment or auxiliary.
	Kind string `yaml:"kind" json:"kind"`
	// NameZH names the unit as the "一厂一策" does ("1号熟料生产线").
	NameZH string `yaml:"name_zh" json:"name_zh"`
	NameEN string `yaml:"name_en,omitempty" json:"name_en,omitempty"`
	// Capacity gives the reduction base (notes §2.3 [V-2 N6]).
	Capacity Capacity `yaml:"capacity,omitempty" json:"capacity"`
	// Interruptible false marks a process that cannot stop at short notice
	// (a glass furnace): it may be limited, never stopped by a measure
	// (plan 5.2 Ⅲ). Absent means true.
	Interruptible *bool `yaml:"interruptible,omitempty" json:"interruptible,omitempty"`
	// LinkedTreatment are the treatment units that must run while this
	// unit runs (notes §3.2, P1 rule R4).
	LinkedTreatment []string `yaml:"linked_treatment,omitempty" json:"linked_treatment,omitempty"`
	// Meters are the unit's electricity meters (a subset of the firm's).
	Meters []string `yaml:"meters,omitempty" json:"meters,omitempty"`
}

// CanStop reports whether a measure may stop the unit.
func (u Unit) CanStop() bool { return u.Interruptible == nil || *u.Interruptible }

// Base is the unit's reduction base (Capacity.Base).
func (u Unit) Base() float64 { return u.Capacity.Base() }

// Capacity is a unit's output capacity, daily means in Unit (e.g. t/d):
// the EIA/design capacity, the permit capacity and last year's actual
// output (notes §2.3 [V-2 N6]). 0 means not given.
type Capacity struct {
	Design   float64 `yaml:"design,omitempty" json:"design,omitempty"`
	Permit   float64 `yaml:"permit,omitempty" json:"permit,omitempty"`
	LastYear float64 `yaml:"last_year,omitempty" json:"last_year,omitempty"`
	Unit     string  `yaml:"unit,omitempty" json:"unit,omitempty"`
}

// Base is the reduction base: the smallest of the capacities given (notes
// §2.3: min of EIA, permit and last-year output [V-2 N6]); 0 when none is.
func (c Capacity) Base() float64 {
	b := 0.0
	for _, v := range []float64{c.Design, c.Permit, c.LastYear} {
		if v > 0 && (b == 0 || v < b) {
			b = v
		}
	}
	return b
}

// Measure is one of a firm's own measures at one level (notes §7 P0
// "Measure"; plan 3.2: lines/steps to stop and key indicators).
type Measure struct {
	// Level is pre, yellow, orange or red: the level it applies from
	// (cumulative upwards).
	Level string `yaml:"level" json:"level"`
	// Action is what to do (stop_unit, limit_pct, …, custom).
	Action string `yaml:"action" json:"action"`
	// TargetUnits are ids of the firm's units; empty means the firm as a
	// whole (all its production units).
	TargetUnits []string `yaml:"target_units,omitempty" json:"target_units,omitempty"`
	// Value is the cut in percent for limit_pct (0 < v < 100) and the
	// absolute limit of the key indicator for cap_indicator.
	Value float64 `yaml:"value,omitempty" json:"value,omitempty"`
	// KeyIndicator names the indicator that shows the measure is applied
	// (plan 3.2), e.g. clinker output t/d; required for cap_indicator.
	KeyIndicator *KeyIndicator `yaml:"key_indicator,omitempty" json:"key_indicator,omitempty"`
	// TextZH and TextEN are what the notice says.
	TextZH string `yaml:"text_zh" json:"text_zh"`
	TextEN string `yaml:"text_en,omitempty" json:"text_en,omitempty"`
	// Responsible is who answers for the step (plan 3.2). PRIVATE.
	Responsible *Contact `yaml:"responsible,omitempty" json:"responsible,omitempty"`
	// VerifyBy are how execution is checked: power, cems, gate, onsite, video.
	VerifyBy []string `yaml:"verify_by,omitempty" json:"verify_by,omitempty"`
	// ExpectedCutKgD is the expected daily cut per pollutant, kg/d (notes §7 P0).
	ExpectedCutKgD *Pollutants `yaml:"expected_cut_kg_d,omitempty" json:"expected_cut_kg_d,omitempty"`
}

// KeyIndicator is the quantity a measure is checked by (plan 3.2). In a
// list, Base is optional (the units' capacities give it) and Limit, if
// written, must match what the measure computes; in an instruction both
// are computed (a stop's limit is 0, left out of JSON; Base 0 means the
// base is not known).
type KeyIndicator struct {
	NameZH string  `yaml:"name_zh" json:"name_zh"`
	Unit   string  `yaml:"unit" json:"unit"`
	Base   float64 `yaml:"base,omitempty" json:"base,omitempty"`
	Limit  float64 `yaml:"limit,omitempty" json:"limit,omitempty"`
}

// Date is a calendar day in China time, written YYYY-MM-DD; the zero Date
// is "not given".
type Date struct{ t time.Time }

// ParseDate reads YYYY-MM-DD as a day in China time.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, aqi.CST)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return Date{t}, nil
}

// Start is the first instant of the day (00:00 China time).
func (d Date) Start() time.Time { return d.t }

// End is the first instant after the day: a date "through" which something
// is valid ends there.
func (d Date) End() time.Time {
	if d.t.IsZero() {
		return d.t
	}
	return d.t.AddDate(0, 0, 1)
}

// IsZero reports whether the date was not given.
func (d Date) IsZero() bool { return d.t.IsZero() }

func (d Date) String() string {
	if d.t.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// UnmarshalYAML reads YYYY-MM-DD; a bad date is a type error with its line,
// so it is reported with the file's other problems.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a date (YYYY-MM-DD)", n.Line, n.Value)}}
	}
	*d = v
	return nil
}

// MarshalYAML writes YYYY-MM-DD.
func (d Date) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalText writes YYYY-MM-DD (JSON uses it too).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Duration is a time.Duration written as Go writes it ("1h", "30m").
type Duration struct{ time.Duration }

// UnmarshalYAML reads a Go duration; a bad one is a type error with its line.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a duration (e.g. 1h, 30m)", n.Line, n.Value)}}
	}
	d.Duration = v
	return nil
}

// MarshalYAML writes the short form ("1h", "30m").
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalText writes the short form (JSON uses it too).
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String is the short form: "1h" rather than time's "1h0m0s".
func (d Duration) String() string {
	s := d.Duration.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

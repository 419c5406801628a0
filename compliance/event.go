package compliance

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Rule names a compliance rule (notes §7 P1). Its string is stable: it is
// stored, exported and shown.
type Rule string

const (
	// R1: a unit told to stop still draws more than its standby level.
	RuleStopNotExecuted Rule = "R1_stop_not_executed"
	// R2: a unit or firm told to limit to X % draws more than X % allows.
	RuleLimitNotMet Rule = "R2_limit_not_met"
	// R3: a stopped firm produces at night (22:00–06:00).
	RuleNightProduction Rule = "R3_night_production"
	// R4: treatment off while the production it serves runs.
	RuleTreatmentOff Rule = "R4_treatment_off"
	// R5: on a shutdown, treatment stopped before production did.
	RuleTreatmentStoppedEarly Rule = "R5_treatment_stopped_early"
	// R6: a stopped unit restarted before the lift without an approval.
	RuleRestartWithoutApproval Rule = "R6_restart_without_approval"
	// R7: a required meter sent nothing for too long: an inspection
	// trigger, not a violation.
	RuleDataGap Rule = "R7_data_gap"
	// R8: online emissions (HJ 212) above their pre-warning level.
	RuleEmissionsUp Rule = "R8_emissions_up"
)

// Rules are every rule, in order.
var Rules = []Rule{RuleStopNotExecuted, RuleLimitNotMet, RuleNightProduction, RuleTreatmentOff,
	RuleTreatmentStoppedEarly, RuleRestartWithoutApproval, RuleDataGap, RuleEmissionsUp}

// Violation reports whether an event of the rule is a suspected violation
// (R7 is not: a gap in the data only sends an inspector).
func (r Rule) Violation() bool { return r != RuleDataGap }

// Severity grades an event for the duty console.
type Severity string

const (
	SeverityInfo     Severity = "info"     // worth a look (a data gap)
	SeverityWarning  Severity = "warning"  // suspected, outside a response
	SeverityCritical Severity = "critical" // suspected, during a response
)

// State is where an event is in the inspection loop:
// open → inspecting → confirmed | dismissed.
type State string

const (
	StateOpen       State = "open"
	StateInspecting State = "inspecting"
	StateConfirmed  State = "confirmed"
	StateDismissed  State = "dismissed"
)

// Point is one 15-minute interval of a meter: the energy drawn in the
// interval ending at End.
type Point struct {
	End time.Time `json:"end"`
	KWh float64   `json:"kwh"`
}

// Series is the evidence of an event: a meter's readings over the event's
// window with the baseline they were compared with.
type Series struct {
	Meter    string  `json:"meter"`
	Role     string  `json:"role"` // production, treatment, auxiliary, main
	Points   []Point `json:"points"`
	Baseline []Point `json:"baseline,omitempty"`
	// Quantity says what Points hold when it is not kWh: an online
	// monitor's pollutant and unit ("NOx kg/h", R8, Role hj212).
	Quantity string `json:"quantity,omitempty"`
}

// Event is one finding of the engine.
type Event struct {
	// ID is derived from the rule, source, unit and start, so the same
	// finding computed twice has the same id (the engine runs repeatedly).
	ID         string    `json:"id"`
	Rule       Rule      `json:"rule"`
	Enterprise string    `json:"enterprise"`      // the list's source id
	Unit       string    `json:"unit,omitempty"`  // the list's unit (line, facility); "" for the firm
	Meter      string    `json:"meter,omitempty"` // the meter that shows it
	Warning    string    `json:"warning,omitempty"`
	Level      string    `json:"level,omitempty"` // the warning level id in force
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Severity   Severity  `json:"severity"`
	// Observed and Expected are the figures the rule compared (kWh over
	// the window, or a ratio for R3's night/day test), so an inspector
	// sees the number, not only the verdict.
	Observed float64 `json:"observed"`
	Expected float64 `json:"expected"`
	// TextZH and TextEN say what was found in plain words.
	TextZH   string   `json:"text_zh"`
	TextEN   string   `json:"text_en"`
	Evidence []Series `json:"evidence,omitempty"`
	State    State    `json:"state"`
}

// EventID is the stable id of a finding. A run the engine sees again
// with more data may change its rule — a stop not executed (R1) becomes a
// restart without approval (R6) when it lasts to the lift, a treatment off
// (R4) becomes a treatment stopped early (R5) when production shuts down
// right after — so those pairs share the id of the first: the finding is
// reclassified, not found twice.
func EventID(rule Rule, enterprise, unit string, start time.Time) string {
	switch rule {
	case RuleRestartWithoutApproval:
		rule = RuleStopNotExecuted
	case RuleTreatmentStoppedEarly:
		rule = RuleTreatmentOff
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%s|%d", rule, enterprise, unit, start.Unix()))
	return "ce-" + hex.EncodeToString(h[:6])
}

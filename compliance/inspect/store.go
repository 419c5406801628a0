package inspect

import (
	"context"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/compliance"
)

// EventRecord is an engine finding as kept: the event (its State is the
// loop's, not the engine's), the inspection that looks at it, and when it
// was first found and last updated.
type EventRecord struct {
	compliance.Event
	InspectionID int64     `json:"inspection_id,omitempty"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

// Finding results: "ok" is compliant (items are put that way), "not_ok" a
// breach found, "na" does not apply here.
const (
	ResultOK    = "ok"
	ResultNotOK = "not_ok"
	ResultNA    = "na"
)

// Finding is the inspector's answer to one checklist item.
type Finding struct {
	Item   string    `json:"item"`
	Result string    `json:"result"`
	Note   string    `json:"note,omitempty"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Photo is a photo from the site: the image is kept once by its SHA-256
// (the store's evidence), this is its link to the inspection.
type Photo struct {
	SHA256      string    `json:"sha256"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// Position is where the inspector was (the browser's geolocation).
type Position struct {
	Lat       float64   `json:"lat"`
	Lon       float64   `json:"lon"`
	AccuracyM float64   `json:"accuracy_m,omitempty"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// Conclusion closes an inspection: the events are confirmed or dismissed.
type Conclusion struct {
	Outcome compliance.State `json:"outcome"` // confirmed | dismissed
	Text    string           `json:"text"`
	By      string           `json:"by"`
	At      time.Time        `json:"at"`
}

// Inspection is one on-site inspection task of a source: made by its first
// open event, joined by the source's later ones while it is open.
type Inspection struct {
	ID         int64  `json:"id"`
	Enterprise string `json:"enterprise"`
	NameZH     string `json:"name_zh"`
	SourceType string `json:"source_type"`
	// Unit is the plan unit that inspects: the source's first supervising unit.
	Unit   string   `json:"unit"`
	Events []string `json:"events"`
	// Since is the start of the earliest of its events: when the case
	// began (the season a repeat is counted in).
	Since     time.Time `json:"since"`
	Checklist string    `json:"checklist"`
	Items     []Item    `json:"items"`
	Findings  []Finding `json:"findings"`
	Photos    []Photo   `json:"photos"`
	Position  *Position `json:"position,omitempty"`
	Created   time.Time `json:"created"`
	Due       time.Time `json:"due"`
	// Started is when the inspector first recorded something.
	Started    time.Time   `json:"started,omitzero"`
	Conclusion *Conclusion `json:"conclusion,omitempty"`
}

// Open reports whether the inspection is not concluded.
func (in Inspection) Open() bool { return in.Conclusion == nil }

// Overdue reports whether the inspection is open past its due time.
func (in Inspection) Overdue(now time.Time) bool { return in.Open() && now.After(in.Due) }

// Late reports whether it was concluded after its due time, or is overdue.
func (in Inspection) Late(now time.Time) bool {
	if in.Conclusion != nil {
		return in.Conclusion.At.After(in.Due)
	}
	return in.Overdue(now)
}

// Consequence statuses.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusRejected = "rejected"
)

// Consequence is a proposal a confirmed case makes: a penalty, a
// downgrade or a stop order, with its chain's state. Nothing takes effect
// before it is approved.
type Consequence struct {
	ID int64 `json:"id"`
	// Key is unique: one proposal of a kind per case.
	Key        string            `json:"key"`
	Kind       string            `json:"kind"`
	Enterprise string            `json:"enterprise"`
	NameZH     string            `json:"name_zh"`
	Inspection int64             `json:"inspection"`
	Events     []string          `json:"events"`
	Rules      []compliance.Rule `json:"rules"`
	// FromGrade and ToGrade: a downgrade's grades.
	FromGrade string `json:"from_grade,omitempty"`
	ToGrade   string `json:"to_grade,omitempty"`
	// Basis is the legal basis (a penalty's from the penalties table).
	BasisID string `json:"basis_id,omitempty"`
	Text
	FineZH string `json:"fine_zh,omitempty"`
	FineEN string `json:"fine_en,omitempty"`
	// Cases and Season: a stop order's count of confirmed cases in the
	// season [SeasonFrom, SeasonTo).
	Cases      int       `json:"cases,omitempty"`
	SeasonFrom time.Time `json:"season_from,omitzero"`
	SeasonTo   time.Time `json:"season_to,omitzero"`
	ReasonZH   string    `json:"reason_zh"`
	ReasonEN   string    `json:"reason_en"`
	Status     string    `json:"status"`
	// ChainZH/EN name the chain; Approval is its state (the plan's
	// signing rules), NextRoles who may sign now.
	ChainZH   string         `json:"chain_zh"`
	ChainEN   string         `json:"chain_en"`
	Approval  alert.Approval `json:"approval"`
	NextRoles []string       `json:"next_roles"`
	// ConcludedBy recorded the inspection's conclusion: four eyes, that
	// person does not sign.
	ConcludedBy string    `json:"concluded_by"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	// DraftVersion is the reduction list's draft an approved downgrade
	// made (its id in the revision), 0 before.
	DraftVersion int64 `json:"draft_version,omitempty"`
}

// Move is one step of an event's state (NextState must allow it).
type Move struct {
	Event string
	To    compliance.State
}

// EventFilter selects events; zero fields select everything.
type EventFilter struct {
	State      compliance.State
	Enterprise string
	Rule       compliance.Rule
	Limit      int // 0, or over 1000: 1000
}

// InspectionFilter selects inspections; zero fields select everything.
type InspectionFilter struct {
	Unit       string
	Enterprise string
	Open       *bool // only open (true) or concluded (false) ones
	Limit      int   // 0, or over 1000: 1000
}

// ConsequenceFilter selects consequences; zero fields select everything.
type ConsequenceFilter struct {
	Status     string
	Kind       string
	Enterprise string
	Inspection int64
	Limit      int // 0, or over 1000: 1000
}

// PageSize bounds every list a store returns.
const PageSize = 1000

// EventStore keeps the engine's findings.
type EventStore interface {
	// UpsertEvent keeps e by its ID: a new one is stored open (whatever
	// its State says) with audit, and created is true; a known one keeps
	// its state and inspection, takes e's later End and, with it, e's
	// figures, texts, severity and evidence (the engine re-runs over a
	// longer window).
	UpsertEvent(ctx context.Context, e compliance.Event, at time.Time, audit lifecycle.AuditEntry) (rec EventRecord, created bool, err error)
	// Event is one event (not found: ENOTFOUND).
	Event(ctx context.Context, id string) (EventRecord, error)
	// Events lists events, the latest start first.
	Events(ctx context.Context, f EventFilter) ([]EventRecord, error)
}

// InspectionStore keeps inspections with their findings and photos.
type InspectionStore interface {
	// AddInspection stores a new inspection (its ID is set) of its Events,
	// which must be known and have no inspection yet (ECONFLICT), as must
	// the source have no open inspection; the events get its id.
	AddInspection(ctx context.Context, in Inspection, audit lifecycle.AuditEntry) (Inspection, error)
	// AttachEvent adds a known event without an inspection to an open
	// inspection (ECONFLICT when concluded), moving its Since earlier when
	// the event began earlier.
	AttachEvent(ctx context.Context, id int64, event string, audit lifecycle.AuditEntry) (Inspection, error)
	// Inspection is one inspection (not found: ENOTFOUND).
	Inspection(ctx context.Context, id int64) (Inspection, error)
	// Inspections lists inspections, the newest first.
	Inspections(ctx context.Context, f InspectionFilter) ([]Inspection, error)
	// UpdateInspection saves in's findings, position, start and
	// conclusion, and applies the moves in order, in one transaction:
	// a move NextState refuses leaves everything as it was (ECONFLICT).
	// A concluded inspection takes no update (ECONFLICT).
	UpdateInspection(ctx context.Context, in Inspection, moves []Move, audit lifecycle.AuditEntry) error
	// AddPhoto keeps a photo of an open inspection: the image once by its
	// hash, linked to the inspection; the same photo again is the same
	// (no new link); beyond max photos, ECONFLICT.
	AddPhoto(ctx context.Context, id int64, p Photo, data []byte, max int, audit lifecycle.AuditEntry) (Photo, error)
}

// ConsequenceStore keeps the consequences' proposals.
type ConsequenceStore interface {
	// AddConsequence stores c unless its key is known; it returns the
	// stored one (the earlier one for a known key) and whether it is new.
	AddConsequence(ctx context.Context, c Consequence, audit lifecycle.AuditEntry) (Consequence, bool, error)
	// UpdateConsequence saves status, approval, next roles and draft.
	UpdateConsequence(ctx context.Context, c Consequence, audit lifecycle.AuditEntry) error
	Consequence(ctx context.Context, id int64) (Consequence, error)
	// Consequences lists consequences, the newest first.
	Consequences(ctx context.Context, f ConsequenceFilter) ([]Consequence, error)
}

// ApprovalStore keeps the recorded restart approvals (复产审批): a unit
// allowed to run again before the lift is not a restart without approval
// (R6), nor a stop not executed (R1, R3), from From until Until.
type ApprovalStore interface {
	// AddApproval records a; its ID and Recorded are set.
	AddApproval(ctx context.Context, a RestartApproval, audit lifecycle.AuditEntry) (RestartApproval, error)
	// Approvals lists the approvals in force at some instant of [from, to),
	// the oldest first.
	Approvals(ctx context.Context, from, to time.Time) ([]RestartApproval, error)
}

// RestartApproval is a recorded approval to restart a source or one of
// its units before the lift, with who recorded it.
type RestartApproval struct {
	ID int64 `json:"id"`
	compliance.Approval
	By       string    `json:"by"`
	Recorded time.Time `json:"recorded"`
}

// InForce reports whether a is in force at some instant of [from, to).
func (a RestartApproval) InForce(from, to time.Time) bool {
	return a.From.Before(to) && (a.Until.IsZero() || a.Until.After(from))
}

// Store is everything the loop keeps. Nothing in it is ever deleted by
// aqwarn: evidence is kept at least five years (notes §7 P1 [V C2]);
// store/sqlite refuses to delete any of it younger than that.
type Store interface {
	EventStore
	InspectionStore
	ConsequenceStore
	ApprovalStore
}

package lifecycle

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aqwarn/aqwarn/alert"
)

// Proposal statuses. A proposal is pending until its chain completes
// (approved) or someone rejects it; an approved proposal becomes published
// when its transition is recorded. A pending proposal is superseded when the
// engine proposes something else for the region, and an approved one when
// the warning in force changed under it.
const (
	StatusPending    = "pending"
	StatusApproved   = "approved"
	StatusPublished  = "published"
	StatusRejected   = "rejected"
	StatusSuperseded = "superseded"
)

// ProposalRecord is a proposal as kept: the engine's Proposal with its
// evidence, the approval chain's state and where it stands.
type ProposalRecord struct {
	ID       int64          `json:"id"`
	Key      string         `json:"key"`
	Region   string         `json:"region"`
	Status   string         `json:"status"`
	Proposal alert.Proposal `json:"proposal"`
	// FromID and LevelID are the plan's ids of the active and target
	// levels, which survive a plan reload where Level numbers may not.
	FromID   string         `json:"from_id"`
	LevelID  string         `json:"level_id"`
	Approval alert.Approval `json:"approval"`
	// NextRoles are who may sign now (empty when closed).
	NextRoles []string `json:"next_roles"`
	// Baseline is set when the data behind the proposal include a
	// baseline forecast (persistence), not a forecaster's.
	Baseline bool      `json:"baseline"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	By       string    `json:"by"` // "engine" or the staff member who proposed
}

// Warning is one warning episode of a region, from issue to lift.
type Warning struct {
	ID           int64     `json:"id"`
	Region       string    `json:"region"`
	PlanID       string    `json:"plan_id"`
	LevelID      string    `json:"level"`
	Since        time.Time `json:"since"`
	EpisodeStart time.Time `json:"episode_start"`
	ExpectedEnd  time.Time `json:"expected_end"`
	// EffectiveStart is when the response starts (plan 4.4); it may
	// differ from the publication (Issued).
	EffectiveStart time.Time  `json:"effective_start"`
	Issued         time.Time  `json:"issued"`
	Lifted         *time.Time `json:"lifted,omitempty"`
	// LiftEffective is when the lift takes effect (announced ahead).
	LiftEffective *time.Time `json:"lift_effective,omitempty"`
	// Paused: open, measures suspended until RestartAt.
	Paused      bool         `json:"paused,omitempty"`
	RestartAt   *time.Time   `json:"restart_at,omitempty"`
	Transitions []Transition `json:"transitions,omitempty"`
}

// Transition is one published change: it is recorded once (Key is unique),
// and the publishing side delivers from the list of transitions.
type Transition struct {
	ID          int64          `json:"id"`
	Key         string         `json:"key"` // the proposal's idempotency key
	WarningID   int64          `json:"warning_id,omitempty"`
	Region      string         `json:"region"`
	Kind        string         `json:"kind"`
	FromID      string         `json:"from"`
	ToID        string         `json:"to"`
	At          time.Time      `json:"at"`
	Start       time.Time      `json:"start"`
	ExpectedEnd time.Time      `json:"expected_end"`
	ProposalID  int64          `json:"proposal_id"`
	Approval    alert.Approval `json:"approval"`
	Proposal    alert.Proposal `json:"proposal"`
}

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Role    string          `json:"role,omitempty"`
	Action  string          `json:"action"`
	Subject string          `json:"subject"`
	Comment string          `json:"comment,omitempty"`
	Detail  json.RawMessage `json:"detail,omitempty"`
}

// ProposalFilter selects proposals; zero fields select everything.
type ProposalFilter struct {
	Status string
	Region string
	Limit  int
}

// ProposalStore keeps proposals; the key is unique.
type ProposalStore interface {
	// AddProposal stores rec unless its key is known. It returns the stored
	// record (the earlier one when the key was known) and whether it was new.
	AddProposal(ctx context.Context, rec ProposalRecord, audit AuditEntry) (ProposalRecord, bool, error)
	// UpdateProposal saves status and approval, appending the audit entries
	// in the same transaction.
	UpdateProposal(ctx context.Context, rec ProposalRecord, audit ...AuditEntry) error
	Proposal(ctx context.Context, id int64) (ProposalRecord, error)
	ProposalByKey(ctx context.Context, key string) (ProposalRecord, bool, error)
	Proposals(ctx context.Context, f ProposalFilter) ([]ProposalRecord, error)
}

// WarningStore keeps warnings and their transitions.
type WarningStore interface {
	// Publish records t (once: a known key records nothing new and
	// returns the earlier transition and false, though the proposal is
	// still marked published, so Recover does not retry it), saves w
	// (inserting it when w.ID is 0, t.WarningID then set to the new id; nil
	// for a health notice; its Transitions are not saved), marks the
	// proposal published and appends the audit entry, all in one
	// transaction. An unknown w.ID is a not-found error and a second
	// warning in force in a region a conflict; neither records anything.
	Publish(ctx context.Context, proposalID int64, t Transition, w *Warning, audit AuditEntry) (Transition, bool, error)
	// ActiveWarnings lists the warnings in force (one per region at most),
	// by region.
	ActiveWarnings(ctx context.Context) ([]Warning, error)
	// LiftedAfter lists the warnings whose lift takes effect after t (a
	// lift is announced ahead: until then its measures stay in force),
	// newest first.
	LiftedAfter(ctx context.Context, t time.Time) ([]Warning, error)
	// Warning returns one warning with its own transitions (not-found
	// error when there is none).
	Warning(ctx context.Context, id int64) (Warning, error)
	// Transitions lists transitions with id > after, oldest first, at most
	// limit (0, or over 1000: 1000).
	Transitions(ctx context.Context, after int64, limit int) ([]Transition, error)
}

// AuditLog is the append-only audit log.
type AuditLog interface {
	AppendAudit(ctx context.Context, e AuditEntry) error
	// Audit lists entries with id > after, oldest first, at most limit
	// (0, or over 1000: 1000); never nil.
	Audit(ctx context.Context, after int64, limit int) ([]AuditEntry, error)
}

// PromptStore keeps upstream prompts.
type PromptStore interface {
	// AddPrompt keeps a prompt once per id (false when it was known).
	AddPrompt(ctx context.Context, u alert.UpstreamPrompt, audit AuditEntry) (bool, error)
	// Prompts lists the prompts not yet over at activeAt (End after it,
	// including ones not begun), by id.
	Prompts(ctx context.Context, activeAt time.Time) ([]alert.UpstreamPrompt, error)
}

// Store is everything the Service persists.
type Store interface {
	ProposalStore
	WarningStore
	AuditLog
	PromptStore
}

// ForecastStore keeps forecasts.
type ForecastStore interface {
	AddForecast(ctx context.Context, f alert.Forecast) (int64, error)
	// Forecasts returns the forecasts of the region (all regions when
	// empty) issued in [from, to], oldest issue first.
	Forecasts(ctx context.Context, region string, from, to time.Time) ([]alert.Forecast, error)
}

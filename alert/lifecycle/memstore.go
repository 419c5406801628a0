package lifecycle

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
)

// MemStore is a Store in memory, for replays (years of hours in seconds)
// and tests. The service's state store is store/sqlite; both obey the same
// contract (one transition per key, append-only audit), which
// alert/lifecycle/storetest checks against both.
type MemStore struct {
	mu          sync.Mutex
	proposals   []ProposalRecord
	byKey       map[string]int
	warnings    []Warning
	transitions []Transition
	tkeys       map[string]int
	audit       []AuditEntry
	prompts     []alert.UpstreamPrompt
	forecasts   []alert.Forecast
	// KeepAudit false drops audit entries (a replay does not read them).
	KeepAudit bool
}

var (
	_ Store         = (*MemStore)(nil)
	_ ForecastStore = (*MemStore)(nil)
)

// NewMemStore returns an empty store that keeps its audit log.
func NewMemStore() *MemStore { return &MemStore{KeepAudit: true} }

func (m *MemStore) appendAudit(e AuditEntry) {
	if m.KeepAudit {
		e.ID = int64(len(m.audit) + 1)
		e.Detail = bytes.Clone(e.Detail) // the caller's buffer is not the log
		m.audit = append(m.audit, e)
	}
}

// pageSize bounds Transitions when its limit is 0, and Audit always, as
// store/sqlite does.
const pageSize = 1000

func (m *MemStore) AddProposal(_ context.Context, rec ProposalRecord, audit AuditEntry) (ProposalRecord, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byKey == nil {
		m.byKey = map[string]int{}
	}
	if i, ok := m.byKey[rec.Key]; ok {
		return m.proposals[i], false, nil
	}
	rec.ID = int64(len(m.proposals) + 1)
	m.byKey[rec.Key] = len(m.proposals)
	m.proposals = append(m.proposals, rec)
	audit.Subject = fmt.Sprintf("proposal %d", rec.ID)
	m.appendAudit(audit)
	return rec, true, nil
}

func (m *MemStore) UpdateProposal(_ context.Context, rec ProposalRecord, audit ...AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if rec.ID < 1 || int(rec.ID) > len(m.proposals) {
		return &alert.Error{Code: alert.CodeNotFound, Message: fmt.Sprintf("no proposal %d", rec.ID)}
	}
	m.proposals[rec.ID-1] = rec
	for _, a := range audit {
		m.appendAudit(a)
	}
	return nil
}

func (m *MemStore) Proposal(_ context.Context, id int64) (ProposalRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || int(id) > len(m.proposals) {
		return ProposalRecord{}, &alert.Error{Code: alert.CodeNotFound, Message: fmt.Sprintf("no proposal %d", id), MessageZH: "没有该提议"}
	}
	return m.proposals[id-1], nil
}

func (m *MemStore) ProposalByKey(_ context.Context, key string) (ProposalRecord, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.byKey[key]
	if !ok {
		return ProposalRecord{}, false, nil
	}
	return m.proposals[i], true, nil
}

func (m *MemStore) Proposals(_ context.Context, f ProposalFilter) ([]ProposalRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ProposalRecord
	for i := len(m.proposals) - 1; i >= 0; i-- {
		p := m.proposals[i]
		if (f.Status == "" || p.Status == f.Status) && (f.Region == "" || p.Region == f.Region) {
			out = append(out, p)
			if f.Limit > 0 && len(out) == f.Limit {
				break
			}
		}
	}
	return out, nil
}

// Publish records t once. A known key records nothing (the proposal is
// still marked published). A warning that would be a second one in force
// in its region is refused (aqwarn ECONFLICT), as is an update of a
// warning that does not exist (not found); neither records anything.
func (m *MemStore) Publish(_ context.Context, proposalID int64, t Transition, w *Warning, audit AuditEntry) (Transition, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tkeys == nil {
		m.tkeys = map[string]int{}
	}
	markPublished := func() {
		if proposalID >= 1 && int(proposalID) <= len(m.proposals) {
			m.proposals[proposalID-1].Status = StatusPublished
			m.proposals[proposalID-1].Updated = t.At
		}
	}
	if i, ok := m.tkeys[t.Key]; ok {
		markPublished()
		return m.transitions[i], false, nil
	}
	if w != nil {
		if w.ID < 0 || int(w.ID) > len(m.warnings) {
			return t, false, &alert.Error{Code: alert.CodeNotFound, Message: fmt.Sprintf("no warning %d", w.ID), MessageZH: "没有该预警"}
		}
		if w.Lifted == nil {
			for _, o := range m.warnings {
				if o.ID != w.ID && o.Region == w.Region && o.Lifted == nil {
					return t, false, &aqwarn.Error{Code: aqwarn.ECONFLICT, Op: "lifecycle.MemStore.Publish",
						Message: fmt.Sprintf("region %s has warning %d in force already", w.Region, o.ID)}
				}
			}
		}
	}
	markPublished()
	if w != nil {
		saved := *w
		saved.Transitions = nil // Warning reads them from the transitions
		if saved.ID == 0 {
			saved.ID = int64(len(m.warnings) + 1)
			m.warnings = append(m.warnings, saved)
		} else {
			m.warnings[saved.ID-1] = saved
		}
		w.ID, t.WarningID = saved.ID, saved.ID
	}
	t.ID = int64(len(m.transitions) + 1)
	m.tkeys[t.Key] = len(m.transitions)
	m.transitions = append(m.transitions, t)
	m.appendAudit(audit)
	return t, true, nil
}

// ActiveWarnings lists the warnings in force, by region.
func (m *MemStore) ActiveWarnings(context.Context) ([]Warning, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Warning
	for _, w := range m.warnings {
		if w.Lifted == nil {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b Warning) int { return cmp.Compare(a.Region, b.Region) })
	return out, nil
}

// LiftedAfter lists the lifted warnings whose lift takes effect after t,
// newest warning first.
func (m *MemStore) LiftedAfter(_ context.Context, t time.Time) ([]Warning, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []Warning{}
	for _, w := range slices.Backward(m.warnings) {
		if w.Lifted != nil && w.LiftEffective != nil && w.LiftEffective.After(t) {
			out = append(out, w)
		}
	}
	return out, nil
}

// AllWarnings returns every warning with its transitions, oldest first.
func (m *MemStore) AllWarnings() []Warning {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.warnings)
	for _, t := range m.transitions {
		if t.WarningID > 0 {
			out[t.WarningID-1].Transitions = append(out[t.WarningID-1].Transitions, t)
		}
	}
	return out
}

func (m *MemStore) Warning(_ context.Context, id int64) (Warning, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || int(id) > len(m.warnings) {
		return Warning{}, &alert.Error{Code: alert.CodeNotFound, Message: fmt.Sprintf("no warning %d", id), MessageZH: "没有该预警"}
	}
	w := m.warnings[id-1]
	for _, t := range m.transitions {
		if t.WarningID == id {
			w.Transitions = append(w.Transitions, t)
		}
	}
	return w, nil
}

// Transitions lists transitions with id > after, oldest first; limit 0
// reads pageSize.
func (m *MemStore) Transitions(_ context.Context, after int64, limit int) ([]Transition, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if limit <= 0 {
		limit = pageSize
	}
	var out []Transition
	for _, t := range m.transitions {
		if t.ID > after {
			out = append(out, t)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

func (m *MemStore) AppendAudit(_ context.Context, e AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.appendAudit(e)
	return nil
}

// Audit lists audit lines with id > after, oldest first: at most limit and
// at most pageSize (also when limit is 0).
func (m *MemStore) Audit(_ context.Context, after int64, limit int) ([]AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if limit <= 0 || limit > pageSize {
		limit = pageSize
	}
	out := []AuditEntry{}
	for _, e := range m.audit {
		if e.ID > after {
			e.Detail = bytes.Clone(e.Detail)
			out = append(out, e)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

func (m *MemStore) AddPrompt(_ context.Context, u alert.UpstreamPrompt, audit AuditEntry) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if slices.ContainsFunc(m.prompts, func(p alert.UpstreamPrompt) bool { return p.ID == u.ID }) {
		return false, nil
	}
	m.prompts = append(m.prompts, u)
	m.appendAudit(audit)
	return true, nil
}

// Prompts lists the prompts not over at the instant (End after it), by id.
func (m *MemStore) Prompts(_ context.Context, at time.Time) ([]alert.UpstreamPrompt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []alert.UpstreamPrompt
	for _, p := range m.prompts {
		if p.End.After(at) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b alert.UpstreamPrompt) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func (m *MemStore) AddForecast(_ context.Context, f alert.Forecast) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f.ID = int64(len(m.forecasts) + 1)
	m.forecasts = append(m.forecasts, f)
	return f.ID, nil
}

func (m *MemStore) Forecasts(_ context.Context, region string, from, to time.Time) ([]alert.Forecast, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []alert.Forecast
	for _, f := range m.forecasts {
		if (region == "" || f.Region == region) && !f.IssuedAt.Before(from) && !f.IssuedAt.After(to) {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b alert.Forecast) int {
		return cmp.Or(a.IssuedAt.Compare(b.IssuedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

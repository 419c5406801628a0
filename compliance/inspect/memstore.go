package inspect

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/compliance"
)

// MemStore is a Store in memory, for tests and offline checks; the
// service keeps its loop in store/sqlite. Both obey the contract of
// compliance/inspect/storetest. Records go in and out as copies (through
// JSON, the form store/sqlite keeps), so a caller never shares one.
type MemStore struct {
	mu           sync.Mutex
	events       map[string]EventRecord
	inspections  []Inspection
	consequences []Consequence
	byKey        map[string]int
	photos       map[string][]byte // by SHA-256
	approvals    []RestartApproval
	audit        []lifecycle.AuditEntry
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{events: map[string]EventRecord{}, byKey: map[string]int{}, photos: map[string][]byte{}}
}

// Audit is the audit log the store kept, oldest first.
func (m *MemStore) Audit() []lifecycle.AuditEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.audit)
}

// PhotoData is a kept photo's bytes (false when unknown).
func (m *MemStore) PhotoData(sha string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.photos[sha]
	return bytes.Clone(b), ok
}

func (m *MemStore) appendAudit(e lifecycle.AuditEntry) {
	e.ID = int64(len(m.audit) + 1)
	e.Detail = bytes.Clone(e.Detail)
	m.audit = append(m.audit, e)
}

// copyOf is v through JSON: what the store hands out never aliases what
// it keeps, and times come back as JSON gives them, like SQLite's.
func copyOf[T any](v T) T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the records are plain data
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func notFound(what string, id any) error {
	return aqwarn.Errorf(aqwarn.ENOTFOUND, "no %s %v / 未找到%v", what, id, id)
}

func limitOf(n int) int {
	if n <= 0 || n > PageSize {
		return PageSize
	}
	return n
}

func (m *MemStore) UpsertEvent(_ context.Context, e compliance.Event, at time.Time, audit lifecycle.AuditEntry) (EventRecord, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.events[e.ID]
	if !ok {
		e.State = compliance.StateOpen
		rec := copyOf(EventRecord{Event: e, Created: at, Updated: at})
		m.events[e.ID] = rec
		m.appendAudit(audit)
		return copyOf(rec), true, nil
	}
	old = Grow(old, e, at)
	m.events[e.ID] = copyOf(old)
	return copyOf(old), false, nil
}

// Grow is a known event after the engine found it again as e at at: its
// state and inspection stay; a later End, or the same End under another
// rule (a reclassification, compliance.EventID), brings e's rule, window,
// figures, texts, severity and evidence with it. Otherwise nothing changes.
func Grow(rec EventRecord, e compliance.Event, at time.Time) EventRecord {
	if e.End.Before(rec.End) || (e.End.Equal(rec.End) && e.Rule == rec.Rule) {
		return rec
	}
	state := rec.State
	rec.Event = e
	rec.State = state
	rec.Updated = at
	return rec
}

func (m *MemStore) Event(_ context.Context, id string) (EventRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.events[id]
	if !ok {
		return EventRecord{}, notFound("compliance event", id)
	}
	return copyOf(rec), nil
}

func (m *MemStore) Events(_ context.Context, f EventFilter) ([]EventRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []EventRecord
	for _, r := range m.events {
		if (f.State == "" || r.State == f.State) && (f.Enterprise == "" || r.Enterprise == f.Enterprise) && (f.Rule == "" || r.Rule == f.Rule) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b EventRecord) int { return cmp.Or(b.Start.Compare(a.Start), cmp.Compare(a.ID, b.ID)) })
	out = out[:min(len(out), limitOf(f.Limit))]
	return copyOf(out), nil
}

func (m *MemStore) AddInspection(_ context.Context, in Inspection, audit lifecycle.AuditEntry) (Inspection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.inspections {
		if o.Enterprise == in.Enterprise && o.Open() {
			return in, aqwarn.Errorf(aqwarn.ECONFLICT, "source %s already has open inspection %d / 该企业已有未办结的检查", in.Enterprise, o.ID)
		}
	}
	for _, id := range in.Events {
		if err := m.attachable(id); err != nil {
			return in, err
		}
	}
	in.ID = int64(len(m.inspections) + 1)
	for _, id := range in.Events {
		r := m.events[id]
		r.InspectionID = in.ID
		m.events[id] = r
	}
	m.inspections = append(m.inspections, copyOf(in))
	audit.Subject = cmp.Or(audit.Subject, fmt.Sprintf("inspection %d", in.ID))
	m.appendAudit(audit)
	return copyOf(in), nil
}

// attachable checks that an event is known and has no inspection.
func (m *MemStore) attachable(id string) error {
	r, ok := m.events[id]
	if !ok {
		return notFound("compliance event", id)
	}
	if r.InspectionID != 0 {
		return aqwarn.Errorf(aqwarn.ECONFLICT, "event %s is already in inspection %d / 该事件已有检查任务", id, r.InspectionID)
	}
	return nil
}

func (m *MemStore) AttachEvent(_ context.Context, id int64, event string, audit lifecycle.AuditEntry) (Inspection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || id > int64(len(m.inspections)) {
		return Inspection{}, notFound("inspection", id)
	}
	in := &m.inspections[id-1]
	if !in.Open() {
		return copyOf(*in), concluded(*in)
	}
	if err := m.attachable(event); err != nil {
		return copyOf(*in), err
	}
	r := m.events[event]
	r.InspectionID = id
	m.events[event] = r
	in.Events = append(in.Events, event)
	if r.Start.Before(in.Since) {
		in.Since = r.Start
	}
	m.appendAudit(audit)
	return copyOf(*in), nil
}

func (m *MemStore) Inspection(_ context.Context, id int64) (Inspection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || id > int64(len(m.inspections)) {
		return Inspection{}, notFound("inspection", id)
	}
	return copyOf(m.inspections[id-1]), nil
}

func (m *MemStore) Inspections(_ context.Context, f InspectionFilter) ([]Inspection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Inspection
	for i := len(m.inspections) - 1; i >= 0 && len(out) < limitOf(f.Limit); i-- {
		in := m.inspections[i]
		if (f.Unit == "" || in.Unit == f.Unit) && (f.Enterprise == "" || in.Enterprise == f.Enterprise) && (f.Open == nil || in.Open() == *f.Open) {
			out = append(out, in)
		}
	}
	return copyOf(out), nil
}

func (m *MemStore) UpdateInspection(_ context.Context, in Inspection, moves []Move, audit lifecycle.AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if in.ID < 1 || in.ID > int64(len(m.inspections)) {
		return notFound("inspection", in.ID)
	}
	cur := &m.inspections[in.ID-1]
	if !cur.Open() {
		return concluded(*cur)
	}
	// Every move is checked against the states as they change, before
	// anything is kept.
	states := map[string]compliance.State{}
	for _, mv := range moves {
		r, ok := m.events[mv.Event]
		if !ok || r.InspectionID != in.ID {
			return notFound("event of inspection "+fmt.Sprint(in.ID), mv.Event)
		}
		from, seen := states[mv.Event]
		if !seen {
			from = r.State
		}
		if err := NextState(from, mv.To); err != nil {
			return err
		}
		states[mv.Event] = mv.To
	}
	for id, s := range states {
		r := m.events[id]
		r.State, r.Updated = s, audit.At
		m.events[id] = r
	}
	// What the update may change; the rest stays as the store has it.
	cur.Findings, cur.Position, cur.Started, cur.Conclusion = in.Findings, in.Position, in.Started, in.Conclusion
	*cur = copyOf(*cur)
	m.appendAudit(audit)
	return nil
}

func (m *MemStore) AddPhoto(_ context.Context, id int64, p Photo, data []byte, max int, audit lifecycle.AuditEntry) (Photo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || id > int64(len(m.inspections)) {
		return p, notFound("inspection", id)
	}
	in := &m.inspections[id-1]
	sum := sha256.Sum256(data)
	p.SHA256, p.Size = hex.EncodeToString(sum[:]), len(data)
	if i := slices.IndexFunc(in.Photos, func(x Photo) bool { return x.SHA256 == p.SHA256 }); i >= 0 {
		return in.Photos[i], nil
	}
	if !in.Open() {
		return p, concluded(*in)
	}
	if len(in.Photos) >= max {
		return p, tooManyPhotos(id, len(in.Photos))
	}
	if _, ok := m.photos[p.SHA256]; !ok {
		m.photos[p.SHA256] = bytes.Clone(data)
	}
	in.Photos = append(in.Photos, p)
	m.appendAudit(audit)
	return p, nil
}

func tooManyPhotos(id int64, n int) error {
	return aqwarn.Errorf(aqwarn.ECONFLICT, "inspection %d already has %d photos, the most it keeps / 该检查已有 %d 张照片，不能再上传", id, n, n)
}

func (m *MemStore) AddConsequence(_ context.Context, c Consequence, audit lifecycle.AuditEntry) (Consequence, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i, ok := m.byKey[c.Key]; ok {
		return copyOf(m.consequences[i]), false, nil
	}
	c.ID = int64(len(m.consequences) + 1)
	m.byKey[c.Key] = len(m.consequences)
	m.consequences = append(m.consequences, copyOf(c))
	audit.Subject = cmp.Or(audit.Subject, fmt.Sprintf("consequence %d", c.ID))
	m.appendAudit(audit)
	return copyOf(c), true, nil
}

func (m *MemStore) UpdateConsequence(_ context.Context, c Consequence, audit lifecycle.AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c.ID < 1 || c.ID > int64(len(m.consequences)) {
		return notFound("consequence", c.ID)
	}
	cur := &m.consequences[c.ID-1]
	cur.Status, cur.Approval, cur.NextRoles, cur.Updated, cur.DraftVersion = c.Status, c.Approval, c.NextRoles, c.Updated, c.DraftVersion
	*cur = copyOf(*cur)
	m.appendAudit(audit)
	return nil
}

func (m *MemStore) Consequence(_ context.Context, id int64) (Consequence, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || id > int64(len(m.consequences)) {
		return Consequence{}, notFound("consequence", id)
	}
	return copyOf(m.consequences[id-1]), nil
}

func (m *MemStore) Consequences(_ context.Context, f ConsequenceFilter) ([]Consequence, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Consequence
	for i := len(m.consequences) - 1; i >= 0 && len(out) < limitOf(f.Limit); i-- {
		c := m.consequences[i]
		if (f.Status == "" || c.Status == f.Status) && (f.Kind == "" || c.Kind == f.Kind) &&
			(f.Enterprise == "" || c.Enterprise == f.Enterprise) && (f.Inspection == 0 || c.Inspection == f.Inspection) {
			out = append(out, c)
		}
	}
	return copyOf(out), nil
}

func (m *MemStore) AddApproval(_ context.Context, a RestartApproval, audit lifecycle.AuditEntry) (RestartApproval, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a.ID = int64(len(m.approvals) + 1)
	m.approvals = append(m.approvals, a)
	audit.Subject = cmp.Or(audit.Subject, fmt.Sprintf("restart approval %d", a.ID))
	m.appendAudit(audit)
	return a, nil
}

func (m *MemStore) Approvals(_ context.Context, from, to time.Time) ([]RestartApproval, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []RestartApproval{}
	for _, a := range m.approvals {
		if a.InForce(from, to) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b RestartApproval) int { return a.From.Compare(b.From) })
	return out, nil
}

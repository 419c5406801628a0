// Package lifecycle carries the warning engine's decisions out: Service
// runs proposals → approvals → published transitions → the warning in
// force, on a Store (store/sqlite in the service, MemStore in replays and
// tests). What to propose is alert.Evaluate's; what a proposal may do to
// the warning in force is alert's transition table, checked again at
// publication, because the warning may have changed under a signature.
//
// Proposal keys are unique in the store, so the same situation is never
// proposed twice, across restarts too; a transition is recorded once per
// key in the same transaction as the warning it leaves and the proposal's
// status, and Recover publishes what was approved but not yet published.
// The engine keeps one pending proposal per region (a new one supersedes
// its own older ones; staff proposals stay until decided); a publication
// supersedes pending proposals made against the old level. When no
// forecast reaches the plan's coverage, the persistence baseline
// (alert.WithBaseline) fills the rest and NeedForecast tells the duty
// console. A region is judged as of its newest observed hour when that is
// less than three hours old, so the hourly AQI landing minutes after the
// hour does not cut the observed run off from what follows. Nothing takes
// effect before it is published. Every step is appended to the audit log
// (who, role, when, comment).
package lifecycle

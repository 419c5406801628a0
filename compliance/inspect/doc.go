// Package inspect is the inspection loop of compliance (notes §7 P1, plan
// 2.1.4 and 8.5): a finding of the power engine (compliance.Event) makes an
// inspection task for the source's supervising unit, due within a day, with
// the checklist of the source's type; the inspector records findings,
// photos, position and a conclusion; a confirmed violation proposes its
// consequences — a penalty, a grade downgrade, a stop order — which go
// through approval chains before anything takes effect.
//
// The rules are pure (NewInspection, NextState, decideConsequences, the
// season of a case): time is an argument. Service runs them over a Store
// (MemStore here, store/sqlite for the service) and asks an EventSource
// for the engine's findings. What the county decides is data:
// configs/compliance/checklists.yaml (ParseChecklists) and
// configs/compliance/consequences.yaml (ParseConsequences).
//
// References: "notes" is shared/reference/reduction-list-notes.md; "plan"
// the county plan 江政办发〔2024〕1号.
package inspect

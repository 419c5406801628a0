package app

import (
	"context"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/compliancesvc"
	"github.com/aqwarn/aqwarn/compliance/inspect"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/reduction"
)

// newInspection builds the inspection loop of compliance on the store: the
// reduction list in force, the configured checklists and consequences, the
// plan's roles signing. An approved downgrade becomes a draft of the list
// (the revision publishes it). The compliance engine over the stored
// meter and emission readings (compliancesvc) is its EventSource a.events,
// when a list is in force.
func (a *App) newInspection() {
	cfg, list := a.cfg, a.delivery.list
	a.inspect = &inspect.Service{Store: a.db, Plan: a.svc.Plan, List: list, Checklists: cfg.Inspection.ParsedChecklists(),
		Rules: cfg.Inspection.ParsedConsequences(), Inventory: cfg.Inspection.ParsedInventory(), Now: a.now, Logger: a.log.With("component", "inspect")}
	if p := cfg.Inspection.ParsedParams(); p != nil {
		a.inspect.Accounting = &p.Accounting
	}
	if list != nil {
		lag := cfg.Inspection.DataLag
		if a.clock != nil {
			// On the demo's clock a quarter hour passes in a fraction of
			// a second: readings in flight are seconds of real time (10 s
			// of it: a loaded machine queues them).
			lag = max(lag, time.Duration(10*float64(time.Second)*a.clock.Speed))
		}
		engine := &compliancesvc.Engine{Params: cfg.Inspection.ParsedParams(), List: list, Warnings: a.db,
			Readings: a.sourceReadings, Calendar: complianceCalendar(cfg.Publish.Holidays, cfg.Publish.Workdays), Approvals: a.db, Lag: lag}
		a.events = engine
		a.inspect.Drops = engine.Drops
		a.inspect.Regrader = &inspect.ListDraft{Versions: a.db, Audit: a.db, InForce: list, Text: cfg.OpenList,
			Parse: func(b []byte) (*reduction.List, error) { return configs.ParseListFor(a.svc.Plan, b) }}
	}
}

// accounting is the reduction accounting against the configured county
// inventory (nil: none configured).
func (a *App) accounting() func(*reduction.List, time.Time) *compliance.Accounting {
	inv, p := a.cfg.Inspection.ParsedInventory(), a.cfg.Inspection.ParsedParams()
	if inv == nil || p == nil {
		return nil
	}
	return func(l *reduction.List, now time.Time) *compliance.Accounting {
		return p.Accounting.Account(l, inv, now)
	}
}

// complianceCalendar is the configured holidays and make-up working days
// (configs has checked their dates).
func complianceCalendar(holidays, workdays []string) compliance.Calendar {
	dates := func(ss []string) []reduction.Date {
		var out []reduction.Date
		for _, s := range ss {
			if d, err := reduction.ParseDate(s); err == nil {
				out = append(out, d)
			}
		}
		return out
	}
	return compliance.Calendar{Holidays: dates(holidays), Workdays: dates(workdays)}
}

// complianceJob is the inspection job: the engine's events in, inspection
// tasks for the new ones, the drafts of approved downgrades. Without an
// engine it says so once and only makes the drafts.
func (a *App) complianceJob() func(context.Context) {
	var mu sync.Mutex // the job is a singleton; this keeps the race detector sure of it
	said := false
	log := a.log.With("component", "inspect")
	return func(ctx context.Context) {
		mu.Lock()
		defer mu.Unlock()
		if a.events == nil && !said {
			log.Info("no reduction list is in force: the compliance engine has no sources to check (the inspection loop works on what is kept)")
			said = true
		}
		res, err := a.inspect.Poll(ctx, a.events)
		if err != nil {
			log.Error("compliance poll failed", "err", err)
			return
		}
		if res.New > 0 || res.Inspections > 0 {
			log.Info("compliance events kept", "new", res.New, "updated", res.Updated, "inspections", res.Inspections, "attached", res.Attached)
		}
		a.notifyInspections(ctx)
	}
}

// notifyInspections tells the inspecting units of their open tasks and the
// command office of overdue ones (inspect.Notices; each once, by key).
func (a *App) notifyInspections(ctx context.Context) {
	open := true
	ins, err := a.inspect.Store.Inspections(ctx, inspect.InspectionFilter{Open: &open})
	if err != nil {
		a.log.Error("inspections not read for their notices", "err", err)
		return
	}
	ds := inspect.Notices(ins, a.delivery.units, a.delivery.base+"/inspect", a.now())
	if len(ds) == 0 {
		return
	}
	if n, err := a.delivery.disp.Enqueue(ctx, ds); err != nil {
		a.log.Error("inspection notices not enqueued", "err", err)
	} else if n > 0 {
		a.log.Info("inspection notices enqueued", "deliveries", n)
	}
}

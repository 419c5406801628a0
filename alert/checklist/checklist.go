// Package checklist derives each member unit's tasks from the plan: at a
// level, a unit's checklist is every measure in force (cumulative, plan 5.2)
// that names it. A transition keeps, adds and releases tasks: a downgrade
// releases the tasks that no longer apply; a lift releases (closes) all.
package checklist

import (
	"slices"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/notify"
)

// For returns each unit's tasks at level l, in plan order. LevelNone gives
// the tasks of the health notice.
func For(p *alert.Plan, l alert.Level) map[string][]notify.Task {
	out := map[string][]notify.Task{}
	for _, m := range p.MeasuresFor(l) {
		for _, u := range m.Units {
			out[u] = append(out[u], notify.Task{ID: m.ID, Kind: m.Kind, TextZH: m.TextZH, TextEN: m.TextEN})
		}
	}
	return out
}

// Change is what a transition from level from to level to does to the
// checklists: the tasks in force after it, and the tasks it released. A
// lift (to is LevelNone, lift true) leaves no task in force and releases
// every task of from.
func Change(p *alert.Plan, from, to alert.Level, lift bool) (tasks, released map[string][]notify.Task) {
	before := For(p, from)
	if from == alert.LevelNone {
		before = map[string][]notify.Task{}
	}
	tasks = map[string][]notify.Task{}
	if !lift {
		tasks = For(p, to)
	}
	released = map[string][]notify.Task{}
	for unit, ts := range before {
		for _, t := range ts {
			if !slices.ContainsFunc(tasks[unit], func(x notify.Task) bool { return x.ID == t.ID }) {
				released[unit] = append(released[unit], t)
			}
		}
	}
	return tasks, released
}

// Public returns the public measures in force at level l (the advice of the
// public message), Chinese and English.
func Public(p *alert.Plan, l alert.Level) (zh, en []string) {
	for _, m := range p.MeasuresFor(l) {
		if m.Public {
			zh, en = append(zh, m.TextZH), append(en, m.TextEN)
		}
	}
	return zh, en
}

// PublicMeasures returns the public measures in force at level l.
func PublicMeasures(p *alert.Plan, l alert.Level) []alert.Measure {
	var out []alert.Measure
	for _, m := range p.MeasuresFor(l) {
		if m.Public {
			out = append(out, m)
		}
	}
	return out
}

package publish

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/reduction"
)

// TaskKindReduction marks a listed source's measure on the board.
const TaskKindReduction = "reduction"

// ListSources is the emission-reduction list (package reduction) as
// publishing's Sources: every listed source in a warning's area is told
// its own measures (reduction.Resolve) as its tasks.
type ListSources struct {
	List *reduction.List
	Plan *alert.Plan
	// Kinds limits the channel kinds used (empty: all), as for the
	// plan's units (the demo delivers on MQTT only).
	Kinds []string
}

var _ Sources = ListSources{}

// Recipients are the sources whose town lies in region (the county: all).
func (s ListSources) Recipients(region string) []alert.Unit {
	var out []alert.Unit
	for _, e := range s.List.Enterprises {
		if !s.Plan.Within(e.Town, region) {
			continue
		}
		u := alert.Unit{ID: e.ID, Role: alert.UnitSource, NameZH: e.NameZH, NameEN: e.NameEN}
		for _, c := range e.Channels {
			// The service's own broker needs no entry: every recipient has
			// its retained task topic (notify.UnitChannel).
			if c.Kind == notify.ChannelMQTT && c.Target == "" {
				continue
			}
			if len(s.Kinds) > 0 && !slices.Contains(s.Kinds, c.Kind) {
				continue
			}
			u.Channels = append(u.Channels, alert.Channel{Kind: c.Kind, Target: c.Target, SecretEnv: c.SecretEnv})
		}
		out = append(out, u)
	}
	return out
}

// Tasks resolves the list at a plan level. A level the list does not know
// (a plan with other level ids) resolves to nothing.
func (s ListSources) Tasks(level, primary string, now time.Time) map[string][]notify.Task {
	if !slices.Contains(reduction.Levels(), level) {
		return map[string][]notify.Task{}
	}
	out := map[string][]notify.Task{}
	for _, in := range s.List.Resolve(level, primary, now) {
		for _, m := range in.Measures {
			out[in.Source] = append(out[in.Source], notify.Task{ID: measureID(m), Kind: TaskKindReduction,
				TextZH: measureText(m, true), TextEN: measureText(m, false)})
		}
	}
	return out
}

// measureID names a measure the same at every level that keeps it, so a
// downgrade releases only what it ends and an upgrade adds only what is
// new; a stronger measure on the same lines is a new task.
func measureID(m reduction.ResolvedMeasure) string {
	id := m.Level + ":" + m.Action
	if m.Value != 0 {
		id += ":" + strconv.FormatFloat(m.Value, 'f', -1, 64)
	}
	if len(m.Targets) > 0 {
		id += ":" + strings.Join(m.Targets, "+")
	}
	return id
}

// measureText is the measure as the source reads it, with the limit its
// key indicator leaves.
func measureText(m reduction.ResolvedMeasure, zh bool) string {
	t := m.TextEN
	if zh || t == "" {
		t = m.TextZH
	}
	if k := m.KeyIndicator; k != nil && k.Limit > 0 {
		v := strconv.FormatFloat(k.Limit, 'f', -1, 64)
		if zh {
			t += "（" + k.NameZH + "不超过 " + v + " " + k.Unit + "）"
		} else {
			t += " (" + k.NameZH + " at most " + v + " " + k.Unit + ")"
		}
	}
	return t
}

// Supervisors are the plan units that supervise a source.
func (s ListSources) Supervisors(source string) []string {
	if e, ok := s.List.Enterprise(source); ok {
		return e.SupervisingUnits
	}
	return nil
}

// Policy is the acknowledgement policy of the list's notices: one
// reminder, then the supervising units, then the command office.
func (s ListSources) Policy() followup.Policy {
	n := s.List.Notices
	return followup.Policy{ResendAfter: n.ResendAfter.Duration, MaxResends: 1,
		EscalateAfter: n.EscalateToSupervisorAfter.Duration, OfficeAfter: n.EscalateToOfficeAfter.Duration}
}

// IsSource reports whether unit is a listed source.
func (s ListSources) IsSource(unit string) bool {
	_, ok := s.List.Enterprise(unit)
	return ok
}

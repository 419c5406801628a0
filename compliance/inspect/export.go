package inspect

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert/report"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/internal/csvsafe"
)

var _ report.ComplianceSource = (*Service)(nil)

// ComplianceSection is the plan-7 report's compliance section of an
// episode: the listed sources with measures at level (resolved at from,
// PM-driven), and the events that began in [from, to] with their
// inspections and consequences.
func (s *Service) ComplianceSection(ctx context.Context, level string, from, to, now time.Time) (*report.Compliance, error) {
	c := &report.Compliance{}
	if s.List != nil {
		for _, in := range s.List.Resolve(level, "", from) {
			if len(in.Measures) > 0 {
				c.Sources = append(c.Sources, report.DutySource{ID: in.Source, NameZH: in.NameZH, Type: in.SourceType, Grade: in.Grade})
			}
		}
		c.Accounting = s.accounting(level, from)
	}
	if s.Drops != nil {
		ds, err := s.Drops(ctx, from, to)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			c.PowerDrops = append(c.PowerDrops, report.PowerDrop{Source: d.Source, NameZH: d.NameZH, Level: d.Level,
				ObservedPct: d.DropPct, AskedPct: d.ExpectedPct, ObservedKWh: d.Observed, BaselineKWh: d.Baseline})
		}
	}
	events, err := s.Store.Events(ctx, EventFilter{})
	if err != nil {
		return nil, err
	}
	inspections := map[int64]bool{}
	for i := len(events) - 1; i >= 0; i-- { // oldest first
		e := events[i]
		if e.Start.Before(from) || e.Start.After(to) {
			continue
		}
		c.Events = append(c.Events, report.ComplianceEvent{ID: e.ID, Source: e.Enterprise, Rule: string(e.Rule), State: string(e.State), Start: e.Start, End: e.End})
		if e.InspectionID != 0 && !inspections[e.InspectionID] {
			inspections[e.InspectionID] = true
			in, err := s.Store.Inspection(ctx, e.InspectionID)
			if err != nil {
				return nil, err
			}
			ri := report.ComplianceInspection{ID: in.ID, Source: in.Enterprise, Unit: in.Unit, Due: in.Due}
			if in.Conclusion != nil {
				ri.Concluded, ri.Outcome = in.Conclusion.At, string(in.Conclusion.Outcome)
			}
			c.Inspections = append(c.Inspections, ri)
			cs, err := s.Store.Consequences(ctx, ConsequenceFilter{Inspection: in.ID})
			if err != nil {
				return nil, err
			}
			for j := len(cs) - 1; j >= 0; j-- {
				q := cs[j]
				c.Consequences = append(c.Consequences, report.ComplianceConsequence{ID: q.ID, Source: q.Enterprise, Kind: q.Kind, Status: q.Status,
					FromGrade: q.FromGrade, ToGrade: q.ToGrade})
			}
		}
	}
	return c, nil
}

// accounting is the list's reduction accounting at level, as the report
// shows it (nil without an inventory or for a level it does not know).
func (s *Service) accounting(level string, at time.Time) *report.Accounting {
	if s.Accounting == nil || s.Inventory == nil {
		return nil
	}
	for _, la := range s.Accounting.Account(s.List, s.Inventory, at).Levels {
		if la.Level != level {
			continue
		}
		out := &report.Accounting{Level: level, Inventory: s.Inventory.ID, Met: la.Met}
		for _, p := range la.Pollutants {
			out.Rows = append(out.Rows, report.AccountingRow{Pollutant: p.Pollutant, AchievedPct: p.AchievedPct, RequiredPct: p.RequiredPct,
				Met: p.Met, ShortfallPct: p.ShortfallPct, ShortfallT: p.ShortfallT, TextZH: p.TextZH, TextEN: p.TextEN})
		}
		return out
	}
	return nil
}

// caseColumns are the columns of the cases' export for the discipline
// commission (plan 2.1.4: the inspection group hands cases that call for
// accountability to the county's discipline commission).
var caseColumns = []string{"inspection", "source", "name_zh", "uscc", "town", "source_type", "grade", "inspecting_unit", "rules", "events",
	"warning_level", "first_finding", "task_created", "due", "concluded", "late", "concluded_by", "conclusion", "not_ok_items", "photos_sha256",
	"position", "consequences"}

// WriteCases writes the confirmed cases, the newest first, as CSV whose
// cells never run as a formula (internal/csvsafe). Times are China time.
func (s *Service) WriteCases(ctx context.Context, w io.Writer) error {
	concluded := false
	ins, err := s.Store.Inspections(ctx, InspectionFilter{Open: &concluded})
	if err != nil {
		return err
	}
	cw := csvsafe.Writer{Writer: csv.NewWriter(w)}
	cw.Write(caseColumns)
	clock := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(cst).Format("2006-01-02 15:04")
	}
	for _, in := range ins {
		if in.Conclusion.Outcome != compliance.StateConfirmed {
			continue
		}
		var rules, levels []string
		for _, id := range in.Events {
			e, err := s.Store.Event(ctx, id)
			if err != nil {
				return err
			}
			if !slices.Contains(rules, string(e.Rule)) {
				rules = append(rules, string(e.Rule))
			}
			if e.Level != "" && !slices.Contains(levels, e.Level) {
				levels = append(levels, e.Level)
			}
		}
		uscc, town, grade := "", "", ""
		if e := s.enterprise(in.Enterprise); e != nil {
			uscc, town = e.USCC, e.Town
			grade, _ = e.GradeAt(in.Since)
		}
		var notOK, photos, consequences []string
		for _, f := range in.Findings {
			if f.Result == ResultNotOK {
				notOK = append(notOK, strings.TrimSpace(f.Item+" "+f.Note))
			}
		}
		for _, p := range in.Photos {
			photos = append(photos, p.SHA256)
		}
		cs, err := s.Store.Consequences(ctx, ConsequenceFilter{Inspection: in.ID})
		if err != nil {
			return err
		}
		for i := len(cs) - 1; i >= 0; i-- {
			consequences = append(consequences, fmt.Sprintf("%s#%d:%s", cs[i].Kind, cs[i].ID, cs[i].Status))
		}
		pos := ""
		if in.Position != nil {
			pos = strconv.FormatFloat(in.Position.Lat, 'f', 5, 64) + "," + strconv.FormatFloat(in.Position.Lon, 'f', 5, 64)
		}
		late := ""
		if in.Late(in.Conclusion.At) {
			late = "late"
		}
		cw.Write([]string{strconv.FormatInt(in.ID, 10), in.Enterprise, in.NameZH, uscc, town, in.SourceType, grade, in.Unit,
			strings.Join(rules, " "), strings.Join(in.Events, " "), strings.Join(levels, " "), clock(in.Since), clock(in.Created), clock(in.Due),
			clock(in.Conclusion.At), late, in.Conclusion.By, in.Conclusion.Text, strings.Join(notOK, "; "), strings.Join(photos, " "), pos,
			strings.Join(consequences, " ")})
	}
	cw.Flush()
	return cw.Error()
}

package compliance

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/reduction"
)

// ConsequenceParams are the rules that turn a confirmed violation into
// proposals (plan 8.5, notes §7 P1 "inspection loop and consequences").
// A proposal changes nothing: the service puts it through its approval
// chain, and only an approved one is applied.
type ConsequenceParams struct {
	// SeasonStarts are the month-days (MM-DD) a season begins; a season
	// runs to the next one. Repeat offences are counted per season.
	SeasonStarts []string        `yaml:"season_starts"`
	Downgrade    DowngradeParams `yaml:"downgrade"`
	Penalty      PenaltyParams   `yaml:"penalty"`
	StopOrder    StopOrderParams `yaml:"stop_order"`
	Source       string          `yaml:"source"`
}

// DowngradeParams: a confirmed violation during a response by a firm of a
// grade above its industry's lowest → one grade down (plan 8.5).
type DowngradeParams struct {
	// NextGrade is the grade one below each grade.
	NextGrade map[string]string `yaml:"next_grade"`
	// SourceTypes are the source types it applies to (plan 8.5: 工业企业).
	SourceTypes []string `yaml:"source_types"`
	// ApprovalChain names the chain the service puts the proposal through.
	ApprovalChain string `yaml:"approval_chain"`
	BasisZH       string `yaml:"basis_zh"`
	BasisEN       string `yaml:"basis_en"`
	Source        string `yaml:"source"`
}

// PenaltyParams: any confirmed violation → a penalty proposal, with the
// legal basis of the first of Bases that matches the event.
type PenaltyParams struct {
	ApprovalChain string         `yaml:"approval_chain"`
	Bases         []PenaltyBasis `yaml:"bases"`
}

// PenaltyBasis is a legal basis for some rules and source types (empty:
// any).
type PenaltyBasis struct {
	Rules       []Rule   `yaml:"rules"`
	SourceTypes []string `yaml:"source_types"`
	BasisZH     string   `yaml:"basis_zh"`
	BasisEN     string   `yaml:"basis_en"`
	Source      string   `yaml:"source"`
}

// StopOrderParams: Occasions confirmed violations in one season → a
// stop-order proposal (屡查屡犯, plan 8.5). An occasion is a day (China
// time) with a confirmed violation: the findings of one night are one
// offence, not two.
type StopOrderParams struct {
	Occasions     int    `yaml:"occasions"`
	ApprovalChain string `yaml:"approval_chain"`
	BasisZH       string `yaml:"basis_zh"`
	BasisEN       string `yaml:"basis_en"`
	Source        string `yaml:"source"`
}

var sourceTypes = []string{reduction.SourceIndustrial, reduction.SourceDustConstruction, reduction.SourceDustMine,
	reduction.SourceDustYard, reduction.SourceMobileBulk, reduction.SourceOther}

var gradeNames = []string{reduction.GradeAPlus, reduction.GradeA, reduction.GradeB, reduction.GradeBMinus, reduction.GradeC,
	reduction.GradeD, reduction.GradeLeading, reduction.GradeNonLeading}

func (cp *ConsequenceParams) check(c *checker) {
	p := func(steps ...any) []any { return append([]any{"consequences"}, steps...) }
	if len(cp.SeasonStarts) == 0 {
		c.add(p("season_starts"), "consequences.season_starts: missing (MM-DD the seasons begin)")
	}
	for i, s := range cp.SeasonStarts {
		if _, err := time.Parse("01-02", s); err != nil || len(s) != 5 {
			c.add(p("season_starts", i), "consequences.season_starts[%d]: %q is not MM-DD", i, s)
		}
	}
	c.source(p("source"), "consequences", cp.Source)
	d := cp.Downgrade
	if len(d.NextGrade) == 0 {
		c.add(p("downgrade", "next_grade"), "consequences.downgrade.next_grade: missing")
	}
	for g, n := range d.NextGrade {
		if !slices.Contains(gradeNames, g) {
			c.add(p("downgrade", "next_grade", g), "consequences.downgrade.next_grade: %q is not a grade (%s)", g, strings.Join(gradeNames, ", "))
		}
		if !slices.Contains(gradeNames, n) {
			c.add(p("downgrade", "next_grade", g), "consequences.downgrade.next_grade[%s]: %q is not a grade", g, n)
		}
	}
	for i, t := range d.SourceTypes {
		if !slices.Contains(sourceTypes, t) {
			c.add(p("downgrade", "source_types", i), "consequences.downgrade.source_types[%d]: %q is not a source type (%s)", i, t, strings.Join(sourceTypes, ", "))
		}
	}
	c.proposal(p("downgrade"), "consequences.downgrade", d.ApprovalChain, d.BasisZH, d.BasisEN, d.Source)
	if cp.Penalty.ApprovalChain == "" {
		c.add(p("penalty", "approval_chain"), "consequences.penalty.approval_chain: missing")
	}
	if len(cp.Penalty.Bases) == 0 {
		c.add(p("penalty", "bases"), "consequences.penalty.bases: missing (a legal basis for every violation)")
	}
	for i, b := range cp.Penalty.Bases {
		bp := p("penalty", "bases", i)
		name := fmt.Sprintf("consequences.penalty.bases[%d]", i)
		for j, r := range b.Rules {
			if !slices.Contains(Rules, r) || !r.Violation() {
				c.add(append(slices.Clone(bp), "rules", j), "%s.rules[%d]: %q is not a violation rule", name, j, r)
			}
		}
		for j, t := range b.SourceTypes {
			if !slices.Contains(sourceTypes, t) {
				c.add(append(slices.Clone(bp), "source_types", j), "%s.source_types[%d]: %q is not a source type", name, j, t)
			}
		}
		c.proposal(bp, name, "-", b.BasisZH, b.BasisEN, b.Source)
	}
	if n := len(cp.Penalty.Bases); n > 0 {
		if last := cp.Penalty.Bases[n-1]; len(last.Rules) > 0 || len(last.SourceTypes) > 0 {
			c.add(p("penalty", "bases", n-1), "consequences.penalty.bases: the last basis must match every event (no rules, no source_types)")
		}
	}
	s := cp.StopOrder
	if s.Occasions < 1 || s.Occasions > 100 {
		c.add(p("stop_order", "occasions"), "consequences.stop_order.occasions: %d, want 1..100", s.Occasions)
	}
	c.proposal(p("stop_order"), "consequences.stop_order", s.ApprovalChain, s.BasisZH, s.BasisEN, s.Source)
}

func (c *checker) proposal(path []any, name, chain, zh, en, source string) {
	if chain == "" {
		c.add(append(slices.Clone(path), "approval_chain"), "%s.approval_chain: missing", name)
	}
	if zh == "" || en == "" {
		c.add(path, "%s: basis_zh and basis_en are required (the legal basis in both languages)", name)
	}
	c.source(append(slices.Clone(path), "source"), name, source)
}

// ProposalKind is what a proposal asks for.
type ProposalKind string

const (
	ProposalDowngrade ProposalKind = "downgrade"  // grade one down (plan 8.5)
	ProposalPenalty   ProposalKind = "penalty"    // an administrative penalty (plan 8.5 依法实施处罚)
	ProposalStopOrder ProposalKind = "stop_order" // an order to stop production (plan 8.5 屡查屡犯)
)

// Proposal is a consequence to approve. It changes nothing by itself: the
// grade, the penalty and the stop order take effect only when its
// approval chain approves it (the service's business).
type Proposal struct {
	// ID is derived from the kind and the events it rests on, so computing
	// it again gives the same proposal.
	ID         string       `json:"id"`
	Kind       ProposalKind `json:"kind"`
	Enterprise string       `json:"enterprise"`
	// Events are the confirmed events it rests on: the one just confirmed
	// first, then (stop order) the season's earlier ones.
	Events []string `json:"events"`
	// FromGrade and ToGrade are a downgrade's grades.
	FromGrade string `json:"from_grade,omitempty"`
	ToGrade   string `json:"to_grade,omitempty"`
	// ApprovalChain names the chain it goes through.
	ApprovalChain string `json:"approval_chain"`
	BasisZH       string `json:"basis_zh"`
	BasisEN       string `json:"basis_en"`
	TextZH        string `json:"text_zh"`
	TextEN        string `json:"text_en"`
}

// ConsequenceInput is what Consequences needs about a confirmed event.
type ConsequenceInput struct {
	// Event is the event just confirmed.
	Event Event
	// SourceType and Grade are the firm's at the event's start (Grade:
	// reduction.Enterprise.GradeAt); LowestGrade is the lowest grade of its
	// industry (reduction.List.LowestGrade), "" when unknown.
	SourceType  string
	Grade       string
	LowestGrade string
	// History are the firm's other confirmed events (any season: those of
	// Event's season are counted).
	History []Event
}

// ConsequenceInputFor fills a ConsequenceInput from the list.
func ConsequenceInputFor(l *reduction.List, ev Event, history []Event) (ConsequenceInput, bool) {
	e, ok := l.Enterprise(ev.Enterprise)
	if !ok {
		return ConsequenceInput{}, false
	}
	grade, _ := e.GradeAt(ev.Start)
	return ConsequenceInput{Event: ev, SourceType: e.SourceType, Grade: grade, LowestGrade: l.LowestGrade(e.GuideIndustry), History: history}, true
}

// Consequences returns the proposals a confirmed event calls for (plan
// 8.5): a penalty for every violation; a downgrade of one grade when the
// firm's grade is above its industry's lowest and the violation was during
// a response; a stop order when the firm has Occasions confirmed
// violations in the season. An event that is not a confirmed violation
// calls for nothing.
func (cp *ConsequenceParams) Consequences(in ConsequenceInput) []Proposal {
	ev := in.Event
	if ev.State != StateConfirmed || !ev.Rule.Violation() {
		return nil
	}
	var out []Proposal
	if b := cp.penaltyBasis(ev.Rule, in.SourceType); b != nil {
		out = append(out, cp.proposal(ProposalPenalty, ev, nil, cp.Penalty.ApprovalChain, b.BasisZH, b.BasisEN,
			fmt.Sprintf("建议对%s依法实施处罚：%s", ev.Enterprise, ev.TextZH),
			fmt.Sprintf("Propose a penalty for %s: %s", ev.Enterprise, ev.TextEN)))
	}
	d := cp.Downgrade
	if next, ok := d.NextGrade[in.Grade]; ok && ev.Level != "" && in.Grade != in.LowestGrade && in.Grade != "" &&
		(len(d.SourceTypes) == 0 || slices.Contains(d.SourceTypes, in.SourceType)) && !below(next, in.LowestGrade) {
		p := cp.proposal(ProposalDowngrade, ev, nil, d.ApprovalChain, d.BasisZH, d.BasisEN,
			fmt.Sprintf("建议将%s绩效分级由%s降为%s（应急响应期间违规：%s）", ev.Enterprise, in.Grade, next, ev.TextZH),
			fmt.Sprintf("Propose downgrading %s from %s to %s (violation during a response: %s)", ev.Enterprise, in.Grade, next, ev.TextEN))
		p.FromGrade, p.ToGrade = in.Grade, next
		out = append(out, p)
	}
	start, end := cp.Season(ev.Start)
	days := map[string]bool{day(ev.Start): true}
	var earlier []string
	for _, h := range in.History {
		if h.ID == ev.ID || h.Enterprise != ev.Enterprise || h.State != StateConfirmed || !h.Rule.Violation() ||
			h.Start.Before(start) || !h.Start.Before(end) {
			continue
		}
		earlier = append(earlier, h.ID)
		days[day(h.Start)] = true
	}
	s := cp.StopOrder
	if len(days) >= s.Occasions {
		slices.Sort(earlier)
		out = append(out, cp.proposal(ProposalStopOrder, ev, earlier, s.ApprovalChain, s.BasisZH, s.BasisEN,
			fmt.Sprintf("建议责令%s停止生产：本季第%d次经查实的违规（屡查屡犯）", ev.Enterprise, len(days)),
			fmt.Sprintf("Propose ordering %s to stop production: confirmed violations on %d days this season (repeat offender)", ev.Enterprise, len(days))))
	}
	return out
}

// below reports whether grade a is worse than b in the order of
// Downgrade.NextGrade's usual chain (A+ > A > B > B- > C > D, 引领性 >
// 非引领性); a grade outside it is never below.
func below(a, b string) bool {
	order := []string{reduction.GradeAPlus, reduction.GradeA, reduction.GradeB, reduction.GradeBMinus, reduction.GradeC, reduction.GradeD}
	ia, ib := slices.Index(order, a), slices.Index(order, b)
	return ia >= 0 && ib >= 0 && ia > ib
}

func (cp *ConsequenceParams) penaltyBasis(r Rule, sourceType string) *PenaltyBasis {
	for i, b := range cp.Penalty.Bases {
		if (len(b.Rules) == 0 || slices.Contains(b.Rules, r)) && (len(b.SourceTypes) == 0 || slices.Contains(b.SourceTypes, sourceType)) {
			return &cp.Penalty.Bases[i]
		}
	}
	return nil
}

func (cp *ConsequenceParams) proposal(kind ProposalKind, ev Event, earlier []string, chain, basisZH, basisEN, zh, en string) Proposal {
	events := append([]string{ev.ID}, earlier...)
	h := sha256.Sum256([]byte(string(kind) + "|" + strings.Join(events, ",")))
	return Proposal{ID: "cp-" + hex.EncodeToString(h[:6]), Kind: kind, Enterprise: ev.Enterprise, Events: events,
		ApprovalChain: chain, BasisZH: basisZH, BasisEN: basisEN, TextZH: zh, TextEN: en}
}

// Season returns the season t is in: from the latest SeasonStarts day at
// or before t to the next (China time).
func (cp *ConsequenceParams) Season(t time.Time) (start, end time.Time) {
	t = t.In(aqi.CST)
	var starts []time.Time
	for y := t.Year() - 1; y <= t.Year()+1; y++ {
		for _, s := range cp.SeasonStarts {
			m, _ := strconv.Atoi(s[:2])
			d, _ := strconv.Atoi(s[3:])
			starts = append(starts, time.Date(y, time.Month(m), d, 0, 0, 0, 0, aqi.CST))
		}
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	for i := len(starts) - 1; i > 0; i-- {
		if !starts[i-1].After(t) && starts[i].After(t) {
			return starts[i-1], starts[i]
		}
	}
	return starts[0], starts[len(starts)-1]
}

func day(t time.Time) string { return t.In(aqi.CST).Format(time.DateOnly) }

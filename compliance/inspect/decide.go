package inspect

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/compliance"
)

// Case is a confirmed inspection as the consequences are decided from it.
type Case struct {
	Enterprise string
	SourceType string
	// Grade is the firm's grade in force when the case began, LowerGrade
	// one grade below it in its industry ("" when it is at the lowest,
	// unrated or not graded: reduction.List.LowerGrade).
	Grade      string
	LowerGrade string
	// Rules are the rules of the inspection's events.
	Rules []compliance.Rule
	// DuringResponse: one of its events was found during a warning's
	// response (the event names a warning or a level).
	DuringResponse bool
	// Downgrading: a downgrade of the firm from this grade is already
	// proposed or approved (not yet in the list in force): not again.
	Downgrading bool
	// Cases counts the firm's confirmed cases in the season of this one,
	// this one included; SeasonFrom and SeasonTo bound the season.
	Cases                int
	SeasonFrom, SeasonTo time.Time
}

// Decision is one consequence to propose.
type Decision struct {
	Kind               string
	FromGrade, ToGrade string // downgrade
	Basis              Basis  // the legal basis (Text only, for a downgrade or a stop order)
	ReasonZH, ReasonEN string
}

// Decide is how consequences are decided: decideConsequences by default;
// the compliance engine may provide its own (Service.Decide).
type Decide func(c Case, rules *Consequences) []Decision

// decideConsequences is plan 8.5 with the notes' defaults (§7 P1):
//   - a case with no suspected violation (a data gap, R7, alone) proposes
//     nothing: the inspector found the monitoring interrupted, not a breach;
//   - every other confirmed case proposes a penalty, on the first basis of
//     the table that matches its rules and source type;
//   - a firm of the downgrade's source types above its industry's lowest
//     grade, with a violation during a response (when the rule asks for
//     that), is proposed one grade down, unless that step is already on
//     its way;
//   - the repeat count's confirmed case of a season, and every one after,
//     proposes a stop order (屡查屡犯).
func decideConsequences(c Case, r *Consequences) []Decision {
	if !slices.ContainsFunc(c.Rules, compliance.Rule.Violation) {
		return nil
	}
	rules := strings.Join(ruleNames(c.Rules), ", ")
	var out []Decision
	for _, b := range r.Penalties {
		if b.matches(c.Rules, c.SourceType) {
			out = append(out, Decision{Kind: KindPenalty, Basis: b,
				ReasonZH: fmt.Sprintf("现场检查认定违反应急减排措施（%s），依法处罚", rules),
				ReasonEN: fmt.Sprintf("the inspection confirmed a breach of the response's measures (%s): a penalty under the law", rules)})
			break
		}
	}
	if slices.Contains(r.Downgrade.SourceTypes, c.SourceType) && c.LowerGrade != "" && !c.Downgrading && (c.DuringResponse || !r.Downgrade.DuringResponseOnly) {
		out = append(out, Decision{Kind: KindDowngrade, FromGrade: c.Grade, ToGrade: c.LowerGrade, Basis: Basis{Text: r.Downgrade.Text},
			ReasonZH: fmt.Sprintf("绩效分级 %s 企业在应急响应期间违规（%s），降一级为 %s", c.Grade, rules, c.LowerGrade),
			ReasonEN: fmt.Sprintf("a grade %s firm broke the rules during a response (%s): one grade down to %s", c.Grade, rules, c.LowerGrade)})
	}
	if c.Cases >= r.Repeat.Count {
		out = append(out, Decision{Kind: KindStopOrder, Basis: Basis{Text: r.StopOrder},
			ReasonZH: fmt.Sprintf("本季度（%s 起）第 %d 次经检查认定违规，屡查屡犯，责令停产", c.SeasonFrom.In(cst).Format(time.DateOnly), c.Cases),
			ReasonEN: fmt.Sprintf("confirmed violation no. %d of the season from %s: a repeat offender, ordered to stop production", c.Cases, c.SeasonFrom.In(cst).Format(time.DateOnly))})
	}
	return out
}

func ruleNames(rs []compliance.Rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

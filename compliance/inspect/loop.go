package inspect

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/reduction"
)

// ReasonStateInvalid is the Reason of a state change the loop does not
// allow.
const ReasonStateInvalid = "event_state_invalid"

// NextState checks one step of an event: open → inspecting → confirmed |
// dismissed, and nothing else (a concluded event never changes).
func NextState(from, to compliance.State) error {
	switch {
	case from == compliance.StateOpen && to == compliance.StateInspecting,
		from == compliance.StateInspecting && (to == compliance.StateConfirmed || to == compliance.StateDismissed):
		return nil
	}
	return &aqwarn.Error{Code: aqwarn.ECONFLICT, Reason: ReasonStateInvalid,
		Message: fmt.Sprintf("an event that is %s cannot become %s (open → inspecting → confirmed | dismissed) / 事件状态不能由“%s”变为“%s”（待查 → 核查中 → 属实 | 不属实）",
			from, to, stateZH[from], stateZH[to])}
}

var stateZH = map[compliance.State]string{compliance.StateOpen: "待查", compliance.StateInspecting: "核查中",
	compliance.StateConfirmed: "属实", compliance.StateDismissed: "不属实"}

// NewInspection is the task an open event makes: for the source's first
// supervising unit (office when the source is not in the list), due
// cl.DueWithin after now, with the checklist of its source type. e may be
// nil (a source the list no longer has: the "other" checklist).
func NewInspection(ev compliance.Event, e *reduction.Enterprise, office string, cl *Checklists, now time.Time) Inspection {
	in := Inspection{Enterprise: ev.Enterprise, NameZH: ev.Enterprise, SourceType: reduction.SourceOther, Unit: office,
		Events: []string{ev.ID}, Since: ev.Start, Created: now, Due: now.Add(cl.DueWithin.Duration),
		Findings: []Finding{}, Photos: []Photo{}}
	if e != nil {
		in.NameZH, in.SourceType = e.NameZH, e.SourceType
		if len(e.SupervisingUnits) > 0 {
			in.Unit = e.SupervisingUnits[0]
		}
	}
	if l := cl.For(in.SourceType); l != nil {
		in.Checklist, in.Items = l.ID, slices.Clone(l.Items)
	}
	return in
}

// FindingInput is what an inspector sends for one item.
type FindingInput struct {
	Item   string `json:"item"`
	Result string `json:"result"`
	Note   string `json:"note"`
}

// maxNote bounds a note or a conclusion's text (a page of writing).
const maxNote = 4000

// ApplyFindings records findings and a position on an open inspection by
// by at now: each replaces the item's earlier answer. An unknown item, an
// unknown result, a position off the globe or a note too long refuses the
// whole (EINVALID, every problem said).
func ApplyFindings(in Inspection, fs []FindingInput, pos *Position, by string, now time.Time) (Inspection, error) {
	if !in.Open() {
		return in, concluded(in)
	}
	var problems []string
	for _, f := range fs {
		switch {
		case !slices.ContainsFunc(in.Items, func(it Item) bool { return it.ID == f.Item }):
			problems = append(problems, fmt.Sprintf("%q is not an item of checklist %s / 检查项不存在", f.Item, in.Checklist))
		case f.Result != ResultOK && f.Result != ResultNotOK && f.Result != ResultNA:
			problems = append(problems, fmt.Sprintf("item %s: result %q must be ok, not_ok or na / 结果须为符合、不符合或不适用", f.Item, f.Result))
		case len(f.Note) > maxNote:
			problems = append(problems, fmt.Sprintf("item %s: the note is longer than %d bytes / 说明过长", f.Item, maxNote))
		}
	}
	if pos != nil && (math.IsNaN(pos.Lat) || math.IsNaN(pos.Lon) || pos.Lat < -90 || pos.Lat > 90 || pos.Lon < -180 || pos.Lon > 180 || (pos.Lat == 0 && pos.Lon == 0)) {
		problems = append(problems, fmt.Sprintf("position %v, %v is not a place (lat −90…90, lon −180…180) / 位置无效", pos.Lat, pos.Lon))
	}
	if len(fs) == 0 && pos == nil {
		problems = append(problems, "send findings or a position / 请提交检查结果或位置")
	}
	if len(problems) > 0 {
		return in, aqwarn.Errorf(aqwarn.EINVALID, "%s", strings.Join(problems, "; "))
	}
	in.Findings = slices.Clone(in.Findings)
	for _, f := range fs {
		nf := Finding{Item: f.Item, Result: f.Result, Note: strings.TrimSpace(f.Note), By: by, At: now}
		if i := slices.IndexFunc(in.Findings, func(x Finding) bool { return x.Item == f.Item }); i >= 0 {
			in.Findings[i] = nf
		} else {
			in.Findings = append(in.Findings, nf)
		}
	}
	// In checklist order, whatever order they came in.
	slices.SortStableFunc(in.Findings, func(a, b Finding) int { return itemIndex(in, a.Item) - itemIndex(in, b.Item) })
	if pos != nil {
		p := *pos
		p.By, p.At = by, now
		in.Position = &p
	}
	if in.Started.IsZero() {
		in.Started = now
	}
	return in, nil
}

func itemIndex(in Inspection, id string) int {
	return slices.IndexFunc(in.Items, func(it Item) bool { return it.ID == id })
}

// Conclude closes an open inspection: every item answered, a text, and
// for a confirmed violation a photo when the checklists want one.
func Conclude(in Inspection, outcome compliance.State, text, by string, photoToConfirm bool, now time.Time) (Inspection, error) {
	if !in.Open() {
		return in, concluded(in)
	}
	var problems []string
	if outcome != compliance.StateConfirmed && outcome != compliance.StateDismissed {
		problems = append(problems, fmt.Sprintf("outcome %q must be confirmed or dismissed / 结论须为属实或不属实", outcome))
	}
	text = strings.TrimSpace(text)
	if text == "" || len(text) > maxNote {
		problems = append(problems, "the conclusion needs a text (what was found) / 请填写检查结论说明")
	}
	var missing []string
	for _, it := range in.Items {
		if !slices.ContainsFunc(in.Findings, func(f Finding) bool { return f.Item == it.ID }) {
			missing = append(missing, it.ID)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("items not answered: %s / 以下检查项尚未填写：%s", strings.Join(missing, ", "), strings.Join(missing, "、")))
	}
	if outcome == compliance.StateConfirmed && photoToConfirm && len(in.Photos) == 0 {
		problems = append(problems, "a confirmed violation needs at least one photo from the site / 认定属实须至少上传一张现场照片")
	}
	if len(problems) > 0 {
		return in, aqwarn.Errorf(aqwarn.EINVALID, "%s", strings.Join(problems, "; "))
	}
	in.Conclusion = &Conclusion{Outcome: outcome, Text: text, By: by, At: now}
	if in.Started.IsZero() {
		in.Started = now
	}
	return in, nil
}

func concluded(in Inspection) error {
	return &aqwarn.Error{Code: aqwarn.ECONFLICT, Reason: ReasonStateInvalid,
		Message: fmt.Sprintf("inspection %d is concluded (%s) and no longer changes / 第 %d 号检查已办结，不能再修改", in.ID, in.Conclusion.Outcome, in.ID)}
}

// Moves are the steps that take an inspection's events from their states
// to to: open ones through inspecting, inspecting ones directly; events
// already at to need none. states are the events' current states.
func Moves(states map[string]compliance.State, events []string, to compliance.State) []Move {
	var out []Move
	for _, id := range events {
		s := states[id]
		if s == compliance.StateOpen && to != compliance.StateInspecting {
			out = append(out, Move{Event: id, To: compliance.StateInspecting})
			s = compliance.StateInspecting
		}
		if s != to {
			out = append(out, Move{Event: id, To: to})
		}
	}
	return out
}

// Season is the season a case of time t belongs to: from the latest of
// the starts (MM-DD, China time) at or before t to the next one.
func Season(t time.Time, starts []string) (from, to time.Time) {
	t = t.In(cst)
	var days []time.Time
	for y := t.Year() - 1; y <= t.Year()+1; y++ {
		for _, s := range starts {
			d, err := time.ParseInLocation("2006-01-02", fmt.Sprintf("%d-%s", y, s), cst)
			if err == nil {
				days = append(days, d)
			}
		}
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	for i := len(days) - 1; i >= 0; i-- {
		if !days[i].After(t) {
			from = days[i]
			if i+1 < len(days) {
				to = days[i+1]
			}
			return from, to
		}
	}
	return time.Time{}, time.Time{}
}

// cst is China time, in which seasons begin.
var cst = aqi.CST

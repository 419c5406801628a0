package reduction

import (
	"slices"
	"time"
)

// PublicSource is what may be disclosed about a listed source (plan 3.1: the
// list is public; 3.2: the signboard; notes §7 P2 public page): who it is,
// its grade, its measures at each level, who supervises it and where to
// complain. It is built field by field from the list, never by copying an
// Enterprise, so contacts, channels, responsible persons and secrets
// cannot leak into it by a new field.
type PublicSource struct {
	// ListID and ListYear name the list the page is from.
	ListID   string `json:"list_id"`
	ListYear int    `json:"list_year"`
	// ID, NameZH, NameEN and USCC identify the source (the credit code is
	// public registry data).
	ID     string `json:"id"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en,omitempty"`
	USCC   string `json:"uscc"`
	// Town is the plan region id; Park the industrial park, if any.
	Town string `json:"town"`
	Park string `json:"park,omitempty"`
	// SourceType, IndustryCode and GuideIndustry as in the list.
	SourceType    string `json:"source_type"`
	IndustryCode  string `json:"industry_code,omitempty"`
	GuideIndustry string `json:"guide_industry,omitempty"`
	// Grade is the grade in force at the time asked; GradeNote says why it
	// is not the listed one; GradeTo is the last day the grade is valid.
	Grade     string `json:"grade,omitempty"`
	GradeNote string `json:"grade_note,omitempty"`
	GradeTo   Date   `json:"grade_to,omitzero"`
	// Status, Guarantee kind and Exempt tell why measures may be absent.
	Status    string     `json:"status"`
	Guarantee string     `json:"guarantee,omitempty"`
	Exempt    *Exemption `json:"exempt,omitempty"`
	// Units are the lines and facilities the measures name.
	Units []PublicUnit `json:"units,omitempty"`
	// Measures are the measures in force at each level of a PM-driven
	// warning (cumulative, as Resolve gives them).
	Measures PublicLevels `json:"measures"`
	// SupervisingUnits are plan unit ids.
	SupervisingUnits []string `json:"supervising_units"`
	// PlanDoc is the "一厂一策" reference and version (not its hash or file).
	PlanDocRef     string `json:"plan_doc_ref,omitempty"`
	PlanDocVersion string `json:"plan_doc_version,omitempty"`
	// SignboardInstalledAt is when the gate signboard went up.
	SignboardInstalledAt Date `json:"signboard_installed_at,omitzero"`
	// Hotline is where the public reports a violation (12369).
	Hotline string `json:"hotline"`
}

// PublicUnit is a unit as the public sees it: no meters, no capacities.
type PublicUnit struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"` // production | treatment | auxiliary
	NameZH string `json:"name_zh"`
}

// PublicLevels holds the public measures per level, each cumulative.
type PublicLevels struct {
	Pre    []PublicMeasure `json:"pre"`
	Yellow []PublicMeasure `json:"yellow"`
	Orange []PublicMeasure `json:"orange"`
	Red    []PublicMeasure `json:"red"`
}

// PublicMeasure is a measure in force as the public sees it: what it
// does, on which lines, from which level and source. A ResolvedMeasure is
// one plus its responsible person, how it is verified and its expected
// cut.
type PublicMeasure struct {
	// Level is the level that set the measure (≤ the instruction's level).
	Level string `json:"level"`
	// Action and Value as in Measure (Value: cut % or absolute limit).
	Action string  `json:"action"`
	Value  float64 `json:"value,omitempty"`
	// Targets are the unit ids the measure governs (a firm-wide stop or
	// limit names every production unit it still governs); empty for a
	// measure on the firm as a whole.
	Targets []string `json:"targets,omitempty"`
	// TextZH and TextEN are what the notice says.
	TextZH string `json:"text_zh"`
	TextEN string `json:"text_en,omitempty"`
	// KeyIndicator is what shows the measure applied: for a stop or
	// limit, the base (smallest of design, permit and last-year capacity,
	// notes §2.3 [V-2 N6]) and the limit it leaves; for a cap, its limit.
	KeyIndicator *KeyIndicator `json:"key_indicator,omitempty"`
	// Origin is "list" (the firm's own measure), "default:<industry>/<grade>"
	// (the grade table) or "guarantee:<kind>" (a guarantee firm's cap).
	Origin string `json:"origin"`
}

// Public returns what may be disclosed about the source, with grades and
// measures as they stand at now. l is the list the source belongs to (its
// grade tables).
func (e *Enterprise) Public(l *List, now time.Time) PublicSource {
	grade, note := e.GradeAt(now)
	p := PublicSource{ListID: l.ID, ListYear: l.Year, ID: e.ID, NameZH: e.NameZH, NameEN: e.NameEN, USCC: e.USCC,
		Town: e.Town, Park: e.Park, SourceType: e.SourceType, IndustryCode: e.IndustryCode, GuideIndustry: e.GuideIndustry,
		Grade: grade, GradeNote: note, GradeTo: e.GradeTo, Status: e.Status, Exempt: exemption(e),
		SupervisingUnits: slices.Clone(e.SupervisingUnits), Hotline: Hotline}
	if e.Guarantee != nil {
		p.Guarantee = e.Guarantee.Kind
	}
	for _, u := range e.Units {
		p.Units = append(p.Units, PublicUnit{ID: u.ID, Kind: u.Kind, NameZH: u.NameZH})
	}
	if e.PlanDoc != nil {
		p.PlanDocRef, p.PlanDocVersion = e.PlanDoc.Ref, e.PlanDoc.Version
	}
	if e.Signboard != nil {
		p.SignboardInstalledAt = e.Signboard.InstalledAt
	}
	for li, dst := range []*[]PublicMeasure{&p.Measures.Pre, &p.Measures.Yellow, &p.Measures.Orange, &p.Measures.Red} {
		ins := l.resolve(e, li, true, false, grade, note)
		*dst = make([]PublicMeasure, 0, len(ins.Measures))
		for _, m := range ins.Measures {
			*dst = append(*dst, m.PublicMeasure)
		}
	}
	return p
}

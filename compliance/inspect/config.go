package inspect

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/internal/yamlline"
	"github.com/aqwarn/aqwarn/reduction"
)

// Checklists are the inspection checklists per source type and the
// loop's deadlines (configs/compliance/checklists.yaml).
type Checklists struct {
	ID string `yaml:"id" json:"id"`
	// DueWithin: an inspection is due this long after its task is made
	// (notes §7 P1: 24 h, Zhuzhou [V E4]).
	DueWithin reduction.Duration `yaml:"due_within" json:"due_within"`
	// PhotoToConfirm: a confirmed conclusion needs a photo from the site.
	PhotoToConfirm bool `yaml:"photo_to_confirm" json:"photo_to_confirm"`
	// MaxPhotos bounds the photos of one inspection.
	MaxPhotos int         `yaml:"max_photos" json:"max_photos"`
	Lists     []Checklist `yaml:"checklists" json:"checklists"`
}

// Checklist is what an inspector checks at one kind of source.
type Checklist struct {
	ID          string   `yaml:"id" json:"id"`
	NameZH      string   `yaml:"name_zh" json:"name_zh"`
	NameEN      string   `yaml:"name_en" json:"name_en"`
	SourceTypes []string `yaml:"source_types" json:"source_types"`
	Items       []Item   `yaml:"items" json:"items"`
}

// Item is one question of a checklist, put so that "ok" is compliant.
type Item struct {
	ID     string `yaml:"id" json:"id"`
	TextZH string `yaml:"text_zh" json:"text_zh"`
	TextEN string `yaml:"text_en" json:"text_en"`
}

// For is the checklist of a source type (nil when none: Parse refuses a
// file that leaves a type out).
func (c *Checklists) For(sourceType string) *Checklist {
	for i := range c.Lists {
		if slices.Contains(c.Lists[i].SourceTypes, sourceType) {
			return &c.Lists[i]
		}
	}
	return nil
}

// SourceTypes are the reduction list's source types: each has a checklist.
var SourceTypes = []string{reduction.SourceIndustrial, reduction.SourceDustConstruction, reduction.SourceDustMine,
	reduction.SourceDustYard, reduction.SourceMobileBulk, reduction.SourceOther}

// Consequence kinds.
const (
	KindPenalty   = "penalty"    // 行政处罚: any firm (plan 8.5)
	KindDowngrade = "downgrade"  // 降级: a firm above its industry's lowest grade, during a response (plan 8.5)
	KindStopOrder = "stop_order" // 责令停产: repeat offenders in a season (plan 8.5 屡查屡犯)
)

// Kinds are the consequence kinds, each with its chain.
var Kinds = []string{KindPenalty, KindDowngrade, KindStopOrder}

// Consequences are what confirmed violations lead to and who signs
// (configs/compliance/consequences.yaml).
type Consequences struct {
	ID        string        `yaml:"id" json:"id"`
	Repeat    Repeat        `yaml:"repeat" json:"repeat"`
	Downgrade DowngradeRule `yaml:"downgrade" json:"downgrade"`
	StopOrder Text          `yaml:"stop_order" json:"stop_order"`
	// Penalties are the legal bases, the first matching a case applies;
	// the last matches every case.
	Penalties []Basis `yaml:"penalties" json:"penalties"`
	Chains    []Chain `yaml:"chains" json:"chains"`
}

// Repeat is when a firm is a repeat offender: Count confirmed cases in one
// season.
type Repeat struct {
	Count int `yaml:"count" json:"count"`
	// SeasonStarts are the days ("MM-DD", China time) seasons begin on.
	SeasonStarts []string `yaml:"season_starts" json:"season_starts"`
}

// DowngradeRule is who is downgraded and on what basis.
type DowngradeRule struct {
	SourceTypes        []string `yaml:"source_types" json:"source_types"`
	DuringResponseOnly bool     `yaml:"during_response_only" json:"during_response_only"`
	Text               `yaml:",inline"`
}

// Text is a legal basis in both languages.
type Text struct {
	BasisZH string `yaml:"basis_zh" json:"basis_zh"`
	BasisEN string `yaml:"basis_en" json:"basis_en"`
}

// Basis is the legal basis of a penalty for the cases it matches: rules
// (any of) and source types (any of); an empty list matches all.
type Basis struct {
	ID          string            `yaml:"id" json:"id"`
	Rules       []compliance.Rule `yaml:"rules" json:"rules,omitempty"`
	SourceTypes []string          `yaml:"source_types" json:"source_types,omitempty"`
	Text        `yaml:",inline"`
	FineZH      string `yaml:"fine_zh" json:"fine_zh"`
	FineEN      string `yaml:"fine_en" json:"fine_en"`
}

// matches reports whether the basis applies to a case of these rules and
// source type.
func (b Basis) matches(rules []compliance.Rule, sourceType string) bool {
	return (len(b.Rules) == 0 || slices.ContainsFunc(rules, func(r compliance.Rule) bool { return slices.Contains(b.Rules, r) })) &&
		(len(b.SourceTypes) == 0 || slices.Contains(b.SourceTypes, sourceType))
}

// Chain is who signs a kind of consequence, step by step (the plan's
// approval semantics: alert.Approval).
type Chain struct {
	Kind   string       `yaml:"kind" json:"kind"`
	NameZH string       `yaml:"name_zh" json:"name_zh"`
	NameEN string       `yaml:"name_en" json:"name_en"`
	Steps  []alert.Step `yaml:"steps" json:"steps"`
}

// Chain is the chain of a kind (Parse makes sure every kind has one).
func (c *Consequences) Chain(kind string) (Chain, bool) {
	for _, ch := range c.Chains {
		if ch.Kind == kind {
			return ch, true
		}
	}
	return Chain{}, false
}

// CodeConfigInvalid is the Reason of a checklists or consequences file
// that does not load.
const CodeConfigInvalid = "compliance_config_invalid"

// ConfigError is a file that does not load: every problem, each with its
// line where it is known (yamlline.Error, Reason CodeConfigInvalid).
type ConfigError = yamlline.Error

// checker collects the problems of a file with their lines.
type checker struct{ yamlline.Problems }

// decodeStrict decodes b into v (yamlline.Decode): its problems, an empty
// file or one that is not YAML among them, are the checker's first.
func decodeStrict(b []byte, v any) *checker {
	root, problems, err := yamlline.Decode(b, v)
	c := &checker{}
	c.Root, c.List = root, problems
	if err != nil {
		c.List = append(c.List, err.Error())
	}
	return c
}

// ParseChecklists decodes and validates the checklists: every source type
// has exactly one, every checklist has items with unique ids and both
// texts, the deadline is positive.
func ParseChecklists(b []byte) (*Checklists, error) {
	var cl Checklists
	c := decodeStrict(b, &cl)
	if cl.ID == "" {
		c.Add([]any{"id"}, "id is required")
	}
	if cl.DueWithin.Duration <= 0 {
		c.Add([]any{"due_within"}, "due_within must be a positive duration (e.g. 24h)")
	}
	if cl.MaxPhotos < 1 {
		c.Add([]any{"max_photos"}, "max_photos must be at least 1")
	}
	seen := map[string]bool{}
	owner := map[string]string{}
	for i, l := range cl.Lists {
		at := []any{"checklists", i}
		if l.ID == "" || seen[l.ID] {
			c.Add(append(at, "id"), "checklist %d: an id is required, once (%q)", i+1, l.ID)
		}
		seen[l.ID] = true
		if l.NameZH == "" || l.NameEN == "" {
			c.Add(at, "checklist %s: name_zh and name_en are required", l.ID)
		}
		for j, st := range l.SourceTypes {
			switch {
			case !slices.Contains(SourceTypes, st):
				c.Add(append(at, "source_types", j), "checklist %s: %q is not a source type (%s)", l.ID, st, strings.Join(SourceTypes, ", "))
			case owner[st] != "":
				c.Add(append(at, "source_types", j), "checklist %s: source type %s already has checklist %s", l.ID, st, owner[st])
			default:
				owner[st] = l.ID
			}
		}
		if len(l.Items) == 0 {
			c.Add(at, "checklist %s has no items", l.ID)
		}
		items := map[string]bool{}
		for j, it := range l.Items {
			iat := append(slices.Clone(at), "items", j)
			if it.ID == "" || items[it.ID] {
				c.Add(append(iat, "id"), "checklist %s, item %d: an id is required, once in the checklist (%q)", l.ID, j+1, it.ID)
			}
			items[it.ID] = true
			if it.TextZH == "" || it.TextEN == "" {
				c.Add(iat, "checklist %s, item %s: text_zh and text_en are required", l.ID, it.ID)
			}
		}
	}
	for _, st := range SourceTypes {
		if owner[st] == "" {
			c.Add([]any{"checklists"}, "source type %s has no checklist", st)
		}
	}
	if len(c.List) > 0 {
		return nil, &ConfigError{Reason: CodeConfigInvalid, Message: fmt.Sprintf("invalid checklists: %d problem(s)", len(c.List)), Problems: c.List}
	}
	return &cl, nil
}

// ParseConsequences decodes and validates the consequences against the
// plan's roles: every kind has one chain whose roles the plan knows, the
// penalties' rules and source types are known and the last penalty basis
// matches every case, the repeat count and seasons make sense.
func ParseConsequences(b []byte, roles []string) (*Consequences, error) {
	var cs Consequences
	c := decodeStrict(b, &cs)
	if cs.ID == "" {
		c.Add([]any{"id"}, "id is required")
	}
	if cs.Repeat.Count < 1 {
		c.Add([]any{"repeat", "count"}, "repeat.count must be at least 1")
	}
	if len(cs.Repeat.SeasonStarts) == 0 {
		c.Add([]any{"repeat"}, "repeat.season_starts needs at least one day (MM-DD)")
	}
	days := map[string]bool{}
	for i, s := range cs.Repeat.SeasonStarts {
		if _, err := time.Parse("01-02", s); err != nil || days[s] {
			c.Add([]any{"repeat", "season_starts", i}, "%q is not a day MM-DD, once", s)
		}
		days[s] = true
	}
	for i, st := range cs.Downgrade.SourceTypes {
		if !slices.Contains(SourceTypes, st) {
			c.Add([]any{"downgrade", "source_types", i}, "%q is not a source type", st)
		}
	}
	texts := func(path []any, t Text, what string) {
		if t.BasisZH == "" || t.BasisEN == "" {
			c.Add(path, "%s: basis_zh and basis_en are required", what)
		}
	}
	texts([]any{"downgrade"}, cs.Downgrade.Text, "downgrade")
	texts([]any{"stop_order"}, cs.StopOrder, "stop_order")
	if len(cs.Penalties) == 0 {
		c.Add([]any{"penalties"}, "penalties needs at least one legal basis")
	}
	ids := map[string]bool{}
	for i, p := range cs.Penalties {
		at := []any{"penalties", i}
		if p.ID == "" || ids[p.ID] {
			c.Add(append(at, "id"), "penalty %d: an id is required, once (%q)", i+1, p.ID)
		}
		ids[p.ID] = true
		texts(at, p.Text, "penalty "+p.ID)
		for j, r := range p.Rules {
			if !slices.Contains(compliance.Rules, r) {
				c.Add(append(at, "rules", j), "penalty %s: %q is not a rule (%v)", p.ID, r, compliance.Rules)
			}
		}
		for j, st := range p.SourceTypes {
			if !slices.Contains(SourceTypes, st) {
				c.Add(append(at, "source_types", j), "penalty %s: %q is not a source type", p.ID, st)
			}
		}
		if i == len(cs.Penalties)-1 && (len(p.Rules) > 0 || len(p.SourceTypes) > 0) {
			c.Add(at, "penalty %s: the last basis must match every case (no rules, no source_types), so that every confirmed violation has one", p.ID)
		}
	}
	kinds := map[string]bool{}
	for i, ch := range cs.Chains {
		at := []any{"chains", i}
		if !slices.Contains(Kinds, ch.Kind) || kinds[ch.Kind] {
			c.Add(append(at, "kind"), "chain %d: kind %q must be one of %s, once", i+1, ch.Kind, strings.Join(Kinds, ", "))
		}
		kinds[ch.Kind] = true
		if ch.NameZH == "" || ch.NameEN == "" {
			c.Add(at, "chain %s: name_zh and name_en are required", ch.Kind)
		}
		if len(ch.Steps) == 0 {
			c.Add(at, "chain %s has no steps", ch.Kind)
		}
		signed := map[string]bool{}
		for j, s := range ch.Steps {
			if len(s.AllOf)+len(s.AnyOf) == 0 {
				c.Add(append(at, "steps", j), "chain %s, step %d: no roles", ch.Kind, j+1)
			}
			for _, r := range append(slices.Clone(s.AllOf), s.AnyOf...) {
				if !slices.Contains(roles, r) {
					c.Add(append(at, "steps", j), "chain %s, step %d: role %q is not in the plan", ch.Kind, j+1, r)
				}
				if signed[r] {
					c.Add(append(at, "steps", j), "chain %s: role %q appears twice", ch.Kind, r)
				}
				signed[r] = true
			}
		}
	}
	for _, k := range Kinds {
		if !kinds[k] {
			c.Add([]any{"chains"}, "no chain for %s", k)
		}
	}
	if len(c.List) > 0 {
		return nil, &ConfigError{Reason: CodeConfigInvalid, Message: fmt.Sprintf("invalid consequences: %d problem(s)", len(c.List)), Problems: c.List}
	}
	return &cs, nil
}

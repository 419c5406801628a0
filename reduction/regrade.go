package reduction

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// A confirmed violation during a response costs a firm above its
// industry's lowest grade one grade (plan 8.5 "降级处理"). The change is
// made to the list's text, as a new draft that goes through the yearly
// revision's four eyes (Advance) like any edit of the list.

// leadingScheme are the grades of the industries graded 引领性/非引领性
// instead of A–D (notes §2.4).
var leadingScheme = []string{GradeLeading, GradeNonLeading}

// LowerGrade is the grade one below grade for firm e: the next worse grade
// its industry's table has (A+ and A, which have no rows, are always
// there), or in the order A+, A, B, C, D when its industry has no table;
// 引领性 goes to 非引领性. ok is false when there is no lower grade: the
// firm is at its industry's lowest, unrated (which counts as the lowest)
// or not graded at all.
func (l *List) LowerGrade(e *Enterprise, grade string) (lower string, ok bool) {
	if grade == "" || grade == GradeUnrated {
		return "", false
	}
	if slices.Contains(leadingScheme, grade) {
		if grade == GradeLeading {
			return GradeNonLeading, true
		}
		return "", false
	}
	rank, known := gradeRank[grade]
	if !known {
		return "", false
	}
	cands := []string{GradeAPlus, GradeA, GradeB, GradeC, GradeD}
	if t := l.table(e.GuideIndustry); t != nil {
		cands = []string{GradeAPlus, GradeA}
		for _, r := range t.Grades {
			if !slices.Contains(leadingScheme, r.Grade) {
				cands = append(cands, r.Grade)
			}
		}
	}
	best := ""
	for _, g := range cands {
		if r := gradeRank[g]; r > rank && (best == "" || r < gradeRank[best]) {
			best = g
		}
	}
	return best, best != ""
}

// Regrade returns the list's text with source id's grade set to grade and
// its grade_source to source (the decision that made it), every other
// line as it was: the draft a reviewer compares with the list in force
// shows that change only. The text must hold the source in block style
// (as lists are written); the caller validates the result with Parse.
func Regrade(text []byte, id, grade, source string) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(text, &root); err != nil {
		return nil, fmt.Errorf("regrade %s: the list does not parse: %w", id, err)
	}
	e := findSource(&root, id)
	if e == nil {
		return nil, fmt.Errorf("regrade: no source %q in the list / 清单中没有 %s", id, id)
	}
	if e.Style&yaml.FlowStyle != 0 {
		return nil, fmt.Errorf("regrade %s: the source is written in flow style {…}; write it as a block to change its grade / 请以块格式书写该企业", id)
	}
	lines := strings.SplitAfter(string(text), "\n")
	gradeKey, gradeVal := mappingEntry(e, "grade")
	srcKey, srcVal := mappingEntry(e, "grade_source")
	// Edits from the bottom up, so the earlier lines' numbers hold.
	type edit struct {
		key, val *yaml.Node
		value    string
	}
	var edits []edit
	if gradeVal != nil {
		edits = append(edits, edit{gradeKey, gradeVal, grade})
	}
	if srcVal != nil {
		edits = append(edits, edit{srcKey, srcVal, source})
	}
	slices.SortFunc(edits, func(a, b edit) int { return b.val.Line - a.val.Line })
	for _, ed := range edits {
		if err := replaceScalar(lines, ed.val, ed.value); err != nil {
			return nil, fmt.Errorf("regrade %s: %w", id, err)
		}
	}
	// Keys the source does not have yet go after its id line, indented
	// like it: grade_source first, so that grade ends above it.
	idKey, _ := mappingEntry(e, "id")
	at := idKey.Line // the line after the id's, 1-based
	indent := strings.Repeat(" ", idKey.Column-1)
	if srcVal == nil {
		lines = slices.Insert(lines, at, indent+"grade_source: "+quoted(source)+"\n")
	}
	if gradeVal == nil {
		lines = slices.Insert(lines, at, indent+"grade: "+quoted(grade)+"\n")
	}
	return []byte(strings.Join(lines, "")), nil
}

// findSource is the mapping of the enterprise with id, nil when none.
func findSource(root *yaml.Node, id string) *yaml.Node {
	if len(root.Content) == 0 {
		return nil
	}
	_, list := mappingEntry(root.Content[0], "enterprises")
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	for _, e := range list.Content {
		if _, v := mappingEntry(e, "id"); v != nil && v.Value == id && e.Kind == yaml.MappingNode {
			return e
		}
	}
	return nil
}

// mappingEntry is the key and value nodes of key in mapping m (nil, nil
// when it has none).
func mappingEntry(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// replaceScalar puts value in place of the one-line scalar node n in
// lines (1-based line and column as the parser gives them, in runes).
func replaceScalar(lines []string, n *yaml.Node, value string) error {
	if n.Kind != yaml.ScalarNode || n.Line < 1 || n.Line > len(lines) {
		return fmt.Errorf("line %d: not a one-line value", n.Line)
	}
	line := []rune(lines[n.Line-1])
	start := n.Column - 1
	if start < 0 || start >= len(line) {
		return fmt.Errorf("line %d: value not found", n.Line)
	}
	end := start
	switch n.Style {
	case 0: // plain: exactly its text
		end = start + len([]rune(n.Value))
		if end > len(line) || string(line[start:end]) != n.Value {
			return fmt.Errorf("line %d: the value %q is not on one line", n.Line, n.Value)
		}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		q := line[start]
		closed := false
		for end = start + 1; end < len(line) && !closed; end++ {
			switch {
			case q == '"' && line[end] == '\\':
				end++ // the escaped character
			case q == '\'' && line[end] == '\'' && end+1 < len(line) && line[end+1] == '\'':
				end++ // '' is a quote inside
			case line[end] == q:
				closed = true
			}
		}
		if !closed {
			return fmt.Errorf("line %d: the quoted value does not end on its line", n.Line)
		}
	default:
		return fmt.Errorf("line %d: write the value on one line to change it", n.Line)
	}
	lines[n.Line-1] = string(line[:start]) + quoted(value) + string(line[end:])
	return nil
}

// quoted writes s as YAML: plain when it is a grade-like word that YAML
// reads back as the same string (C, B-, 非引领性), else double-quoted (a
// JSON string is a YAML double-quoted scalar).
func quoted(s string) string {
	plain := s != "" && !strings.ContainsAny(s[:1], "-+0123456789") && !yamlWords[strings.ToLower(s)]
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '+' && r != '-' {
			plain = false
		}
	}
	if plain {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// yamlWords are the plain words YAML reads as something else than a string.
var yamlWords = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true, "~": true}

package reduction

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestLowerGrade(t *testing.T) {
	l := demo(t)
	for _, tc := range []struct {
		source, grade string
		want          string // "" for none
	}{
		// A cement B firm goes to C: its table has B, C, D.
		{"cem-b", GradeB, GradeC},
		// A cement A firm (no row: self-determined) goes to the table's best row.
		{"cem-a", GradeA, GradeB},
		// A+ goes to A, whatever the table.
		{"cem-a", GradeAPlus, GradeA},
		// D is the brick table's lowest: nothing lower.
		{"brick-d", GradeD, ""},
		// Unrated already counts as the lowest grade.
		{"brick-u", GradeUnrated, ""},
		// The "other" table has a D row only: B goes to D, the next grade that resolves.
		{"food-g", GradeB, GradeD},
		// A dust site is not graded.
		{"site-1", "", ""},
		// The leading scheme: 引领性 → 非引领性, and nothing below that.
		{"cem-b", GradeLeading, GradeNonLeading},
		{"cem-b", GradeNonLeading, ""},
	} {
		e, ok := l.Enterprise(tc.source)
		if !ok {
			t.Fatalf("no %s in the demo list", tc.source)
		}
		got, ok := l.LowerGrade(e, tc.grade)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("LowerGrade(%s, %q) = %q, %v; want %q", tc.source, tc.grade, got, ok, tc.want)
		}
	}
	// An industry without a table: the general order.
	if got, _ := l.LowerGrade(&Enterprise{GuideIndustry: "none-such"}, GradeB); got != GradeC {
		t.Errorf("B without a table → %q, want C", got)
	}
}

// Regrade changes the grade line and adds the decision, nothing else: the
// draft parses, its diff against the list is that one grade change, and
// every other line of the text is untouched.
func TestRegrade(t *testing.T) {
	text, err := os.ReadFile(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	old := demo(t)
	out, err := Regrade(text, "cem-b", GradeC, "江环罚〔2026〕1号：应急期间未停产，降级 / downgraded")
	if err != nil {
		t.Fatal(err)
	}
	l, err := Parse(out, planRefs(t))
	if err != nil {
		t.Fatalf("the regraded list does not load: %v", err)
	}
	e, _ := l.Enterprise("cem-b")
	if e.Grade != GradeC || !strings.HasPrefix(e.GradeSource, "江环罚") {
		t.Errorf("cem-b after regrade: grade %q, source %q", e.Grade, e.GradeSource)
	}
	d := Diff(old, l)
	if len(d.Grades) != 1 || d.Grades[0] != (GradeChange{ID: "cem-b", From: GradeB, To: GradeC}) || len(d.Added)+len(d.Removed) != 0 {
		t.Errorf("diff %+v, want only cem-b B → C", d)
	}
	// Only cem-b's grade and grade_source lines change (a comment after a
	// value would stay): every other line is as it was.
	before, after := strings.Split(string(text), "\n"), strings.Split(string(out), "\n")
	if len(after) != len(before) {
		t.Fatalf("%d lines after, %d before", len(after), len(before))
	}
	var changed []string
	for i := range before {
		if before[i] != after[i] {
			changed = append(changed, after[i])
		}
	}
	if want := []string{"    grade: C", `    grade_source: "江环罚〔2026〕1号：应急期间未停产，降级 / downgraded"`}; !slices.Equal(changed, want) {
		t.Errorf("changed lines %q, want %q", changed, want)
	}

	// Twice in a row: the second edits what the first wrote.
	again, err := Regrade(out, "cem-b", GradeD, "second")
	if err != nil {
		t.Fatal(err)
	}
	if l2, err := Parse(again, planRefs(t)); err != nil {
		t.Fatal(err)
	} else if e, _ := l2.Enterprise("cem-b"); e.Grade != GradeD || e.GradeSource != "second" {
		t.Errorf("second regrade: %q %q", e.Grade, e.GradeSource)
	}

	for _, tc := range []struct {
		name, text string
	}{
		// No such source.
		{"unknown source", "enterprises:\n  - id: a\n    grade: B\n"},
		// A source written as a flow mapping cannot be edited line by line.
		{"flow style", "enterprises:\n  - {id: cem-b, grade: B}\n"},
	} {
		if _, err := Regrade([]byte(tc.text), "cem-b", GradeC, "x"); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	for _, tc := range []struct{ name, text, want string }{
		// A source without a grade gets one, and the decision, under its id.
		{"added", "enterprises:\n  - id: x\n    town: t\n",
			"enterprises:\n  - id: x\n    grade: C\n    grade_source: \"why: \\\"this\\\"\"\n    town: t\n"},
		// Quoted values are replaced whole; the comment after one stays.
		{"quoted", "enterprises:\n  - id: x\n    grade: \"B\"   # was\n    grade_source: 'old ''one'''\n",
			"enterprises:\n  - id: x\n    grade: C   # was\n    grade_source: \"why: \\\"this\\\"\"\n"},
	} {
		got, err := Regrade([]byte(tc.text), "x", "C", `why: "this"`)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if string(got) != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

package reduction

import (
	"fmt"
	"time"
)

// GradeAt returns the grade in force at now and, when it is not the listed
// one, why: a grade counts only from grade_from through grade_to (China
// time), outside those dates the firm is unrated (notes §7: an expired grade
// counts as unrated; a firm that does not apply is the lowest grade [V G2]).
// A firm listed without a grade has grade "" (a dust site or transport
// firm, which are not graded).
func (e *Enterprise) GradeAt(now time.Time) (grade, note string) {
	if e.Grade == "" || e.Grade == GradeUnrated {
		return e.Grade, ""
	}
	if !e.GradeFrom.IsZero() && now.Before(e.GradeFrom.Start()) {
		return GradeUnrated, fmt.Sprintf("grade %s applies from %s; unrated until then", e.Grade, e.GradeFrom)
	}
	if !e.GradeTo.IsZero() && !now.Before(e.GradeTo.End()) {
		return GradeUnrated, fmt.Sprintf("grade %s expired after %s; unrated", e.Grade, e.GradeTo)
	}
	return e.Grade, ""
}

// table returns the grade table of an industry, nil when there is none.
func (l *List) table(industry string) *GradeTable {
	if industry == "" {
		return nil
	}
	for i := range l.GradeDefaults {
		if l.GradeDefaults[i].Industry == industry {
			return &l.GradeDefaults[i]
		}
	}
	return nil
}

// row returns the table's row for a grade; "" and unrated take the lowest
// grade of the table (notes §7 [V G2]).
func (t *GradeTable) row(grade string) *GradeRow {
	if grade == "" || grade == GradeUnrated {
		var worst *GradeRow
		for i := range t.Grades {
			r := &t.Grades[i]
			if rank, ok := gradeRank[r.Grade]; ok && (worst == nil || rank > gradeRank[worst.Grade]) {
				worst = r
			}
		}
		return worst
	}
	for i := range t.Grades {
		if t.Grades[i].Grade == grade {
			return &t.Grades[i]
		}
	}
	return nil
}

// defaultRow returns the row of grade defaults a firm falls back to and its
// origin label ("cement_clinker/D"), nil when its industry has no table or
// the table no row for the grade.
func (l *List) defaultRow(e *Enterprise, grade string) (*GradeRow, string) {
	t := l.table(e.GuideIndustry)
	if t == nil {
		return nil, ""
	}
	r := t.row(grade)
	if r == nil {
		return nil, ""
	}
	return r, t.Industry + "/" + r.Grade
}

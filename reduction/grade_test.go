package reduction

import "testing"

func TestLowestGrade(t *testing.T) {
	l := demo(t)
	for _, tc := range []struct{ industry, want string }{
		{"cement_clinker", GradeD}, // B, C, D rows: D
		{"flat_glass", GradeD},     // likewise
		{"other", GradeD},          // one row, D
		{"no_such", ""},            // no table: not known
		{"", ""},                   // no industry (a dust site)
	} {
		if got := l.LowestGrade(tc.industry); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.industry, got, tc.want)
		}
	}
}

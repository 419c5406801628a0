package reduction

import (
	"encoding/json"
	"strings"
	"testing"
)

// No source's public view contains anything private: contact names and
// phones, responsible persons' names and phones, channel targets and
// secret variable names (notes acceptance 8).
func TestPublicDisclosesNothingPrivate(t *testing.T) {
	l := demo(t)
	var private []string
	for _, e := range l.Enterprises {
		for _, c := range e.Contacts {
			private = append(private, c.Name, c.Phone)
		}
		for _, c := range e.Channels {
			private = append(private, c.Target, c.SecretEnv)
		}
		for _, m := range e.Measures {
			if m.Responsible != nil {
				private = append(private, m.Responsible.Name, m.Responsible.Phone)
			}
		}
	}
	private = append(private, "AQWARN_")                     // no secret variable either
	private = append(private, "13700000", "13900000", "+86") // nor any number of the demo ranges
	n := 0
	for _, e := range l.Enterprises {
		b, err := json.Marshal(e.Public(l, goldenNow))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range private {
			if s != "" && strings.Contains(string(b), s) {
				t.Errorf("%s: public view contains private %q", e.ID, s)
			}
		}
		n++
	}
	if n != 30 || len(private) < 60 {
		t.Errorf("checked %d sources against %d private strings", n, len(private))
	}
}

// The public view carries what plan 3.1/3.2 publish: grade in force,
// measures at each level, supervising units, the plan document, the
// signboard and the 12369 hotline.
func TestPublicContent(t *testing.T) {
	l := demo(t)
	e, _ := l.Enterprise("cem-b")
	p := e.Public(l, goldenNow)
	if p.Hotline != "12369" || p.Grade != GradeB || p.USCC != e.USCC || p.Town != "qiaotoupu" || p.ListID != "jianghua-2026" {
		t.Errorf("public = %+v", p)
	}
	if len(p.Measures.Pre) != 0 || len(p.Measures.Yellow) != 1 || len(p.Measures.Orange) != 2 || len(p.Measures.Red) != 2 {
		t.Errorf("measures = %+v", p.Measures)
	}
	if k := p.Measures.Orange[0].KeyIndicator; k == nil || k.Limit != 2800 {
		t.Errorf("orange key indicator = %+v", k)
	}
	if p.PlanDocRef != "YCYC-2026-cem-b.pdf" || p.PlanDocVersion != "2026.2" || p.SignboardInstalledAt.String() != "2025-10-20" {
		t.Errorf("plan doc %q %q, signboard %v", p.PlanDocRef, p.PlanDocVersion, p.SignboardInstalledAt)
	}
	if strings.Join(p.SupervisingUnits, ",") != "industry_it,ecology_branch" {
		t.Errorf("supervising = %v", p.SupervisingUnits)
	}
	// The lapsed grade shows as unrated with its reason.
	x, _ := l.Enterprise("coat-x")
	if px := x.Public(l, goldenNow); px.Grade != GradeUnrated || px.GradeNote == "" {
		t.Errorf("coat-x public grade %q %q", px.Grade, px.GradeNote)
	}
	// Empty levels are [] in JSON, not null, for the page's script.
	b, _ := json.Marshal(p)
	if !strings.Contains(string(b), `"pre":[]`) {
		t.Errorf("pre not []: %s", b)
	}
}

package reduction

import (
	"slices"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// Reminders fall 60, 30 and 7 days before 30 September (notes acceptance 6:
// with the clock at 2026-08-01 they are 08-01, 08-31 and 09-23).
func TestReminders(t *testing.T) {
	for _, tc := range []struct {
		year int
		want []string
	}{
		{2026, []string{"2026-08-01 09:00", "2026-08-31 09:00", "2026-09-23 09:00"}}, // the acceptance year
		{2028, []string{"2028-08-01 09:00", "2028-08-31 09:00", "2028-09-23 09:00"}}, // a leap year changes nothing after February
	} {
		var got []string
		for _, r := range Reminders(tc.year) {
			if r.Location() != aqi.CST {
				t.Errorf("%v not in China time", r)
			}
			got = append(got, r.Format("2006-01-02 15:04"))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%d: %v, want %v", tc.year, got, tc.want)
		}
	}
	if d := Deadline(2026); !d.Equal(time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("deadline = %v, want the end of 30 September China time", d)
	}
}

// Diff of last year's list against this one: the demo list against an
// "old" one that lacked two sources, had one more and other grades for
// three (notes acceptance 6: 2 added, 1 removed, 3 grade changes).
func TestDiff(t *testing.T) {
	cur := demo(t)
	old := demo(t)
	var kept []Enterprise
	for _, e := range old.Enterprises {
		switch e.ID {
		case "site-4", "haul-4": // new this year
			continue
		case "cem-b":
			e.Grade = GradeC // upgraded C → B
		case "brick-d":
			e.Grade = GradeC // downgraded C → D
		case "coat-c":
			e.Grade = GradeUnrated // graded for the first time
		}
		kept = append(kept, e)
	}
	gone := old.Enterprises[0]
	gone.ID, gone.USCC = "cem-old", "91431129MA4Q869646"
	old.Enterprises = append(kept, gone)
	old.byID = nil // rebuilt by hand: searched linearly

	d := Diff(old, cur)
	if !slices.Equal(d.Added, []string{"haul-4", "site-4"}) || !slices.Equal(d.Removed, []string{"cem-old"}) {
		t.Errorf("added %v, removed %v", d.Added, d.Removed)
	}
	want := []GradeChange{{"brick-d", GradeC, GradeD}, {"cem-b", GradeC, GradeB}, {"coat-c", GradeUnrated, GradeC}}
	if !slices.Equal(d.Grades, want) {
		t.Errorf("grades = %+v", d.Grades)
	}
	// cem-b's measures change at yellow and orange (C → B); red is a stop
	// with the HDV ban for both grades, so it does not change.
	var cemB []string
	for _, m := range d.Measures {
		if m.ID == "cem-b" {
			cemB = append(cemB, m.Level)
		}
	}
	if !slices.Equal(cemB, []string{LevelYellow, LevelOrange}) {
		t.Errorf("cem-b measure changes at %v", cemB)
	}
	if d.Empty() || !Diff(cur, cur).Empty() {
		t.Error("Empty is wrong")
	}
}

func TestDueReminder(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, aqi.CST)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		now  string
		days int
		ok   bool
	}{
		// 60 days before 30 September 2026 is 1 August, from 09:00.
		{"1 Aug 09:00", "2026-08-01 09:00", 60, true},
		{"1 Aug 08:59: not yet", "2026-08-01 08:59", 0, false},
		// A check later the same day (or early next morning) still sends it.
		{"2 Aug 08:59", "2026-08-02 08:59", 60, true},
		{"2 Aug 09:00: over", "2026-08-02 09:00", 0, false},
		// 30 and 7 days before.
		{"31 Aug", "2026-08-31 10:00", 30, true},
		{"23 Sep", "2026-09-23 09:30", 7, true},
		// Any other day: none.
		{"15 Sep", "2026-09-15 09:00", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			days, ok := DueReminder(2026, at(tc.now))
			if days != tc.days || ok != tc.ok {
				t.Errorf("DueReminder = %d, %v; want %d, %v", days, ok, tc.days, tc.ok)
			}
		})
	}
}

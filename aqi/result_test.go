package aqi

import "testing"

func TestPublished(t *testing.T) {
	pm := setOf([]Pollutant{PM25})
	for _, tc := range []struct {
		name           string
		in             Result
		wantNA, wantIn bool
	}{
		// Complete data: published as computed.
		{"complete", Result{AQI: 80, Level: 2}, false, false},
		// A measured pollutant missing and AQI ≤ 100: not published (优 from ozone alone).
		{"incomplete low", Result{AQI: 80, Level: 2, Missing: pm}, true, true},
		// The boundary: 100 is still ≤ 100.
		{"incomplete at 100", Result{AQI: 100, Level: 2, Missing: pm}, true, true},
		// Above 100 the missing pollutant cannot lower it: published.
		{"incomplete high", Result{AQI: 101, Level: 3, Missing: pm}, false, false},
		// Already NA: stays NA, not flagged again.
		{"already NA", Result{NA: true, Missing: pm}, true, false},
	} {
		got, incomplete := tc.in.Published()
		if got.NA != tc.wantNA || incomplete != tc.wantIn {
			t.Errorf("%s: NA %v incomplete %v, want %v %v", tc.name, got.NA, incomplete, tc.wantNA, tc.wantIn)
		}
		if incomplete && (got.Level != 0 || got.Primary != 0) {
			t.Errorf("%s: an unpublished result keeps level %d, primary %v", tc.name, got.Level, got.Primary)
		}
	}
}

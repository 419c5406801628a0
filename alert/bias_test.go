package alert

import (
	"math"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// The bias correction uses the last observed hours ending at the latest
// one observed: with the region's data late (the service judges as of the
// latest observed hour only while it is under 3 h old; a replay or a
// preview at any instant), the forecast is still corrected; it used to fall
// back to no correction as soon as one of the 6 hours before now was not
// in. Observed hours more than the correction's 6 h old correct nothing.
func TestBiasCorrectionFromTheLatestObservedHours(t *testing.T) {
	p := jianghua(t)
	fc := pm25Hours(now0.Add(-12*time.Hour), now0.Add(48*time.Hour), func(time.Time) float64 { return 100 })
	for _, tc := range []struct {
		name    string
		through time.Time // the latest observed hour
		ratio   float64
	}{
		// Observed up to now: 50 for a forecast of 100.
		{"observed through now", now0, 0.5},
		// The hour ending now not stored yet: the 6 hours ending an hour ago.
		{"observed through now − 1 h", now0.Add(-time.Hour), 0.5},
		// The latest observed hour 5 h old: still within the 6 hours.
		{"observed through now − 5 h", now0.Add(-5 * time.Hour), 0.5},
		// 6 h old: nothing observed in the last 6 hours, no correction.
		{"observed through now − 6 h", now0.Add(-6 * time.Hour), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs := pm25Hours(now0.Add(-48*time.Hour), tc.through, func(time.Time) float64 { return 50 })
			// An hour stored with nothing observed does not count as observed.
			obs = append(obs, SeriesHour{Time: tc.through.Add(time.Hour), Values: aqi.MissingHour()})
			if r := p.blend(now0, obs, fc, "model").ratio[aqi.PM25]; math.Abs(r-tc.ratio) > 1e-9 {
				t.Errorf("ratio %v, want %v", r, tc.ratio)
			}
		})
	}
}

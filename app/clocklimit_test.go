package app

import (
	"testing"
	"time"
)

func TestClockLimit(t *testing.T) {
	t0 := time.Date(2015, 11, 27, 8, 0, 0, 0, time.UTC)
	ns := func(h int) int64 { return t0.Add(time.Duration(h) * time.Hour).UnixNano() }
	for _, tc := range []struct {
		name  string
		marks []int64
		want  time.Time
	}{
		// No data judged or metered yet: no limit, the demo starts.
		{"none", []int64{0, 0}, time.Time{}},
		// Only the evaluation has judged: its hour plus the lead.
		{"evaluation only", []int64{ns(3), 0}, t0.Add(5 * time.Hour)},
		// The meters lag the evaluation: the clock waits for the meters.
		{"meters behind", []int64{ns(3), ns(1)}, t0.Add(3 * time.Hour)},
		// The evaluation lags the meters: it waits for the evaluation.
		{"evaluation behind", []int64{ns(1), ns(4)}, t0.Add(3 * time.Hour)},
	} {
		if got := clockLimit(2*time.Hour, tc.marks...); !got.Equal(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

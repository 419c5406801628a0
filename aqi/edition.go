package aqi

import (
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
)

// Edition is the edition of HJ 633 (技术规定) that produced an AQI.
type Edition int

// The two editions. HJ 633—2012 applies to data before 2026-03-01 00:00
// China Standard Time, HJ 633—2026 from then on.
const (
	Edition2012 Edition = 2012
	Edition2026 Edition = 2026
)

// CST is China Standard Time (UTC+8), the zone of Chinese hour labels
// (aqwarn.CST).
var CST = aqwarn.CST

// Cutover2026 is the instant HJ 633—2026 comes into force.
var Cutover2026 = time.Date(2026, time.March, 1, 0, 0, 0, 0, CST)

// EditionAt returns the edition in force at instant t.
func EditionAt(t time.Time) Edition {
	if t.Before(Cutover2026) {
		return Edition2012
	}
	return Edition2026
}

// EditionForPeriodEnd returns the edition for a value whose averaging period
// ends at end: an hour labelled by its end (Chinese convention) or a 24-hour
// window ending at end. The period follows the edition in force at its last
// instant, so the hour labelled 2026-03-01 00:00 (the last hour of February)
// and the natural day of 28 February stay under 2012, while the hour labelled
// 01:00 and every rolling window ending after the cutover use 2026.
func EditionForPeriodEnd(end time.Time) Edition {
	return EditionAt(end.Add(-time.Nanosecond))
}

// String returns "HJ 633—2012" or "HJ 633—2026".
func (e Edition) String() string { return "HJ 633—" + strconv.Itoa(int(e)) }

// ParseEdition accepts "2012", "2026", or the full "HJ 633-2012" style names.
func ParseEdition(s string) (Edition, bool) {
	s = strings.TrimSpace(s)
	for _, prefix := range []string{"HJ 633—", "HJ 633-", "HJ 633–", "HJ633-"} {
		s = strings.TrimPrefix(s, prefix)
	}
	switch s {
	case "2012":
		return Edition2012, true
	case "2026":
		return Edition2026, true
	}
	return 0, false
}

// normalise maps any edition other than 2012 to 2026, the edition in force,
// so that a zero Edition cannot select a table that does not exist.
func (e Edition) normalise() Edition {
	if e == Edition2012 {
		return Edition2012
	}
	return Edition2026
}

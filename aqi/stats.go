package aqi

import (
	"math"
	"slices"
	"time"
)

// DaySummary counts natural days for annual targets (优良天数比例, 重污染天数).
type DaySummary struct {
	Days  int // days given
	Valid int // days whose report is Complete: AQI published and no measured pollutant missing
	// ByLevel counts valid days per level; index 0 is unused.
	ByLevel [7]int
}

// SummariseDays counts daily results. A day with a missing pollutant is not
// valid even when its partial AQI is published (2026 AQI > 100, or any 2012
// AQI): its category is only a lower bound.
func SummariseDays(days []Result) DaySummary {
	s := DaySummary{Days: len(days)}
	for i := range days {
		if days[i].Complete() {
			s.Valid++
			s.ByLevel[days[i].Level]++
		}
	}
	return s
}

// Good returns the number of valid days with AQI ≤ 100 (levels 1–2).
func (s DaySummary) Good() int { return s.ByLevel[1] + s.ByLevel[2] }

// GoodRatio returns Good/Valid; ok is false without valid days.
func (s DaySummary) GoodRatio() (ratio float64, ok bool) {
	if s.Valid == 0 {
		return 0, false
	}
	return float64(s.Good()) / float64(s.Valid), true
}

// HeavyOrWorse returns the valid days with AQI > 200 (重度及以上, levels 5–6).
func (s DaySummary) HeavyOrWorse() int { return s.ByLevel[5] + s.ByLevel[6] }

// Severe returns the valid days with AQI > 300 (严重污染, level 6).
func (s DaySummary) Severe() int { return s.ByLevel[6] }

// AnnualMean is the mean of one calendar year of daily values, daily[i]
// being day i+1 of the year (NaN when the day is not valid). GB 3095 makes it
// valid with ≥ 324 daily values and ≥ 27 in every month (25 in February);
// ok is false otherwise, or when daily does not have the year's length.
func AnnualMean(year int, daily []float64) (mean float64, ok bool) {
	first := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
	if len(daily) != daysIn(year) {
		return 0, false
	}
	var perMonth [13]int
	sum, n := 0.0, 0
	for i, v := range daily {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		perMonth[first.AddDate(0, 0, i).Month()]++
		sum += v
		n++
	}
	if n < 324 {
		return 0, false
	}
	for m := time.January; m <= time.December; m++ {
		need := 27
		if m == time.February {
			need = 25
		}
		if perMonth[m] < need {
			return 0, false
		}
	}
	return sum / float64(n), true
}

func daysIn(year int) int {
	return time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC).YearDay()
}

// Percentile is the HJ 663 percentile p (0..100) of the valid (non-NaN)
// values: sorted ascending, k = 1 + (n−1)·p/100, interpolated between the
// k-th and (k+1)-th values. ok is false without valid values.
func Percentile(values []float64, p float64) (v float64, ok bool) {
	xs := make([]float64, 0, len(values))
	for _, x := range values {
		if !math.IsNaN(x) {
			xs = append(xs, x)
		}
	}
	if len(xs) == 0 || p < 0 || p > 100 {
		return 0, false
	}
	slices.Sort(xs)
	k := 1 + float64(len(xs)-1)*p/100
	s := int(math.Floor(k))
	if s >= len(xs) {
		return xs[len(xs)-1], true
	}
	return xs[s-1] + (xs[s]-xs[s-1])*(k-float64(s)), true
}

// EvaluationPercentile returns the percentile HJ 663 evaluates a term's
// daily values by: 98 for SO2 and NO2, 95 for PM10, PM2.5 and CO, 90 for the
// daily maximum 8-hour O3. 1-hour O3 has none (ok false).
func EvaluationPercentile(t Term) (p float64, ok bool) {
	switch t {
	case TermSO2, TermNO2:
		return 98, true
	case TermPM10, TermPM25, TermCO:
		return 95, true
	case TermO3_8h:
		return 90, true
	}
	return 0, false
}

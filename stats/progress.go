package stats

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// Status is where a target stands during its year.
type Status string

// The statuses. The rule (Evaluate):
//   - out_of_reach: even the best possible rest of the year misses the target
//     (every remaining day good; PM2.5 zero; no further heavy day) — or, once
//     the year is over, the target was missed;
//   - at_risk: still reachable, but the projection of the rest of the year
//     (from the same calendar span of past years when their data are given,
//     otherwise continuing the year's pace so far) misses it;
//   - on_track: reachable and the projection meets it (or there is nothing
//     yet to project from) — or, once the year is over, the target was met;
//   - unknown: a reduction on last year whose last-year count neither the
//     targets file nor the data gives.
const (
	OnTrack    Status = "on_track"
	AtRisk     Status = "at_risk"
	OutOfReach Status = "out_of_reach"
	Unknown    Status = "unknown"
)

// Progress is where one target stands at an instant and what is left.
type Progress struct {
	Target Target `json:"target"`
	// AsOf is the last complete natural day counted ("" before the year).
	AsOf string `json:"as_of"`
	// DaysElapsed are the year's natural days complete at the instant;
	// DaysRemaining the rest of the year.
	DaysElapsed   int `json:"days_elapsed"`
	DaysRemaining int `json:"days_remaining"`
	// ValidDays are the elapsed days that count for the figure: complete
	// reports for ratio and heavy days, valid PM2.5 daily means for the mean.
	ValidDays int `json:"valid_days"`
	// SoFar is the figure over the elapsed days: the good-day ratio (%),
	// the PM2.5 mean (µg/m³), the heavy days. Null without valid days.
	SoFar *float64 `json:"so_far"`
	// Needed is what the remaining days must do, all assumed valid.
	Needed Needed `json:"needed"`
	// Projection is the year's figure expected from the rest of the year's
	// likely course (see Status); null when there is nothing to project from.
	Projection *Projection `json:"projection"`
	Status     Status      `json:"status"`
	// Final is set once the year is over: Status then says met (on_track)
	// or missed (out_of_reach).
	Final bool `json:"final"`
	// TextZH and TextEN say what is left in plain words.
	TextZH string `json:"text_zh"`
	TextEN string `json:"text_en"`
	// Notes are caveats (an annual mean that can no longer be valid, where
	// last year's count came from).
	Notes []string `json:"notes,omitempty"`
}

// Needed is what the remaining days must do to still meet a target, every
// remaining day assumed valid. Only the fields of the target's kind are set.
type Needed struct {
	// GoodDaysMin is the fewest good days among the remaining days; more
	// than DaysRemaining means out of reach. NonGoodDaysMax is the most
	// non-good days the rest of the year may still have (negative when out
	// of reach).
	GoodDaysMin    *int `json:"good_days_min,omitempty"`
	NonGoodDaysMax *int `json:"non_good_days_max,omitempty"`
	// RestMeanMax is the highest average PM2.5 daily mean the remaining
	// days may have (µg/m³, exact: the annual mean is the mean of the
	// year's valid daily means, so the remaining days may sum to at most
	// limit × (valid so far + remaining) − sum so far, RestSumMax, in
	// µg/m³·days). Negative means out of reach.
	RestMeanMax *float64 `json:"rest_mean_max,omitempty"`
	RestSumMax  *float64 `json:"rest_sum_max,omitempty"`
	// HeavyDaysMax is the most heavy days still allowed (negative when the
	// target is already missed).
	HeavyDaysMax *int `json:"heavy_days_max,omitempty"`
}

// Projection is the year's figure expected from how the rest of the year
// will likely go.
type Projection struct {
	// Basis is "past_years" (the same calendar span of earlier years,
	// pooled) or "so_far" (the year's pace so far continues).
	Basis string `json:"basis"`
	Years []int  `json:"years,omitempty"`
	// Rest is the expected figure of the remaining days: the share of good
	// days (%), the PM2.5 mean (µg/m³), or the heavy days.
	Rest float64 `json:"rest"`
	// Value is the projected figure of the whole year; Meets compares it
	// with the target.
	Value float64 `json:"value"`
	Meets bool    `json:"meets"`
}

// Evaluate says where target t stands at instant now. days are the scope's
// days (any range; those of t.Year complete by now count); past are the
// scope's days of earlier years (any range, may be nil), for the projection
// and, for a reduction without a last-year count, last year's heavy days.
func Evaluate(t Target, days []Day, now time.Time, past []Day) Progress {
	year := YearPeriod(t.Year)
	total := year.Days()
	elapsed := 0
	if now.After(year.From) {
		elapsed = min(int(now.Sub(year.From)/(24*time.Hour)), total)
	}
	pr := Progress{Target: t, DaysElapsed: elapsed, DaysRemaining: total - elapsed, Final: elapsed == total}
	cut := year.From.AddDate(0, 0, elapsed) // the first remaining day
	if elapsed > 0 {
		pr.AsOf = cut.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	so := tally(days, Period{From: year.From, To: cut})
	span := func(y int) Period { // the remaining calendar span in year y
		f := cut.AddDate(y-t.Year, 0, 0)
		return Period{From: f, To: Date(y+1, time.January, 1)}
	}
	rest := pr.DaysRemaining

	switch t.Kind {
	case KindGoodDayRatio:
		limit := int64(math.Round(t.Limit * 1000)) // thousandths of a percent
		pr.ValidDays = so.valid
		pr.SoFar = ratioPct(so.good, so.valid)
		g := goodDaysNeeded(so.good, so.valid, rest, limit)
		ng := rest - g
		pr.Needed.GoodDaysMin, pr.Needed.NonGoodDaysMax = &g, &ng
		met := ratioMeets(so.good, so.valid, limit)
		pr.Projection = project(so, rest, t.Year, past, span, func(c count) (float64, bool) {
			return float64(c.good) / float64(c.valid), c.valid > 0
		}, func(share float64) float64 {
			return 100 * (float64(so.good) + share*float64(rest)) / float64(so.valid+rest)
		}, func(v float64) bool { return v >= t.Limit })
		if pr.Projection != nil {
			pr.Projection.Rest = round(100*pr.Projection.Rest, 1)
			pr.Projection.Value = round(pr.Projection.Value, 1)
		}
		pr.status(g > rest, met)
		pr.TextZH, pr.TextEN = ratioText(&pr, so, g, ng)
	case KindPM25AnnualMean:
		limit := int64(math.Round(t.Limit * 1e6)) // µg/m³ in millionths
		pr.ValidDays = so.pm25n
		if so.pm25n > 0 {
			m := round(float64(so.pm25sum)/1e6/float64(so.pm25n), 1)
			pr.SoFar = &m
		}
		budget := restSumMax(so.pm25sum, so.pm25n, rest, limit)
		if rest > 0 {
			s := float64(budget) / 1e6
			m := s / float64(rest)
			pr.Needed.RestSumMax, pr.Needed.RestMeanMax = &s, &m
		}
		met := meanMeets(so.pm25sum, so.pm25n, limit)
		pr.Projection = project(so, rest, t.Year, past, span, func(c count) (float64, bool) {
			return float64(c.pm25sum) / 1e6 / float64(c.pm25n), c.pm25n > 0
		}, func(mean float64) float64 {
			return (float64(so.pm25sum)/1e6 + mean*float64(rest)) / float64(so.pm25n+rest)
		}, func(v float64) bool { return v <= t.Limit })
		if pr.Projection != nil {
			pr.Projection.Rest = round(pr.Projection.Rest, 1)
			pr.Projection.Value = round(pr.Projection.Value, 1)
		}
		pr.status(budget < 0, met)
		pr.TextZH, pr.TextEN = meanText(&pr, budget)
		if note := annualValidityNote(t.Year, days, cut); note != "" {
			pr.Notes = append(pr.Notes, note)
		}
	case KindHeavyDays, KindHeavyDaysReduction:
		if t.Kind == KindHeavyDaysReduction && t.LastYear == nil {
			last := tally(past, YearPeriod(t.Year-1))
			if last.valid == 0 {
				pr.Status = Unknown
				pr.Notes = append(pr.Notes, fmt.Sprintf("no data of %d to count last year's heavy days from, and the targets file gives none", t.Year-1))
				pr.TextZH = "缺少上年重污染天数，无法评估。"
				pr.TextEN = "Last year's heavy-pollution days are not known; the target cannot be evaluated."
				return pr
			}
			t = t.WithLastYear(last.heavy)
			pr.Target = t
			pr.Notes = append(pr.Notes, fmt.Sprintf("last year's heavy days counted from data: %d (%d valid days in %d)", last.heavy, last.valid, t.Year-1))
			if !Summarise(t.Scope, past, YearPeriod(t.Year-1)).CoverageValid {
				pr.Notes = append(pr.Notes, fmt.Sprintf("the data of %d do not cover the year (GB 3095—2012 Table 4): last year's count is a lower bound", t.Year-1))
			}
		}
		limit := int(t.Limit)
		pr.ValidDays = so.valid
		h := float64(so.heavy)
		pr.SoFar = &h
		left := limit - so.heavy
		pr.Needed.HeavyDaysMax = &left
		pr.Projection = project(so, rest, t.Year, past, span, func(c count) (float64, bool) {
			return float64(c.heavy) / float64(c.valid), c.valid > 0
		}, func(rate float64) float64 {
			return float64(so.heavy) + rate*float64(rest)
		}, func(v float64) bool { return v <= t.Limit })
		if pr.Projection != nil {
			pr.Projection.Rest = round(pr.Projection.Rest*float64(rest), 1)
			pr.Projection.Value = round(pr.Projection.Value, 1)
		}
		pr.status(left < 0, so.heavy <= limit)
		pr.TextZH, pr.TextEN = heavyText(&pr, left)
	}
	return pr
}

// status applies the rule of Status: unreachable is whether even the best
// rest of the year misses, met whether the elapsed days alone meet it (which
// decides once the year is over).
func (pr *Progress) status(unreachable, met bool) {
	switch {
	case pr.Final && met:
		pr.Status = OnTrack
	case pr.Final || unreachable:
		pr.Status = OutOfReach
	case pr.Projection != nil && !pr.Projection.Meets:
		pr.Status = AtRisk
	default:
		pr.Status = OnTrack
	}
}

// count is what the targets need of a run of days.
type count struct {
	valid, good, heavy int // complete reports; good AQI ≤ 100; heavy AQI > 200
	pm25n              int // valid PM2.5 daily means
	pm25sum            int64
}

func tally(days []Day, p Period) count {
	var c count
	for i := range days {
		d := &days[i]
		if !p.Contains(d.Date) {
			continue
		}
		if d.Valid() {
			c.valid++
			if d.Result.Level <= 2 {
				c.good++
			}
			if d.Result.Level >= 5 {
				c.heavy++
			}
		}
		if v, ok := d.value(aqi.TermPM25); ok {
			c.pm25n++
			c.pm25sum += micro(v)
		}
	}
	return c
}

// project projects the year: rate reads the figure of the remaining days
// from a count (false without data), year turns it into the year's figure,
// meets compares that with the target. The rate comes from the same span
// of earlier years in past, pooled, or else from the elapsed days (so).
func project(so count, rest, year int, past []Day, span func(int) Period, rate func(count) (float64, bool),
	whole func(float64) float64, meets func(float64) bool) *Projection {
	if rest == 0 {
		return nil
	}
	seen := map[int]bool{}
	var earlier []int
	for i := range past {
		if y := past[i].Date.In(aqi.CST).Year(); y < year && !seen[y] {
			seen[y] = true
			earlier = append(earlier, y)
		}
	}
	slices.Sort(earlier)
	var pooled count
	var years []int
	for _, y := range earlier {
		c := tally(past, span(y))
		if _, ok := rate(c); !ok {
			continue
		}
		years = append(years, y)
		pooled.valid += c.valid
		pooled.good += c.good
		pooled.heavy += c.heavy
		pooled.pm25n += c.pm25n
		pooled.pm25sum += c.pm25sum
	}
	p := &Projection{Basis: "past_years", Years: years}
	r, ok := rate(pooled)
	if len(years) == 0 || !ok {
		if r, ok = rate(so); !ok {
			return nil
		}
		p.Basis, p.Years = "so_far", nil
	}
	p.Rest = r
	p.Value = whole(r)
	p.Meets = meets(p.Value)
	return p
}

// goodDaysNeeded is the fewest good days among rest remaining (valid) days
// for the year's ratio (good+g)/(valid+rest) to reach limit, in thousandths
// of a percent: the least g ≥ 0 with 100000·(good+g) ≥ limit·(valid+rest).
// Integer arithmetic, so exactly g meets and g−1 misses.
func goodDaysNeeded(good, valid, rest int, limit int64) int {
	need := limit*int64(valid+rest) - 100000*int64(good)
	if need <= 0 {
		return 0
	}
	return int((need + 99999) / 100000)
}

// ratioMeets reports whether good of valid days reach limit (thousandths of
// a percent).
func ratioMeets(good, valid int, limit int64) bool {
	return valid > 0 && 100000*int64(good) >= limit*int64(valid)
}

// restSumMax is the largest sum (millionths·days) the rest remaining days'
// valid daily means may have for the year's mean (sum+s)/(n+rest) to stay
// at most limit (millionths): limit·(n+rest) − sum. Exactly that sum meets
// the target, one millionth more misses it.
func restSumMax(sum int64, n, rest int, limit int64) int64 {
	return limit*int64(n+rest) - sum
}

// meanMeets reports whether a mean of n values summing to sum is at most
// limit (all in millionths).
func meanMeets(sum int64, n int, limit int64) bool { return n > 0 && sum <= limit*int64(n) }

func ratioPct(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := round(100*float64(n)/float64(of), 1)
	return &v
}

// annualValidityNote says when the year's PM2.5 mean can no longer be valid
// (GB 3095—2012 Table 4) because of the days already lost, before cut.
func annualValidityNote(year int, days []Day, cut time.Time) string {
	y := YearPeriod(year)
	if !cut.After(y.From) {
		return ""
	}
	perMonth := map[int]int{}
	n := 0
	for i := range days {
		d := &days[i]
		if d.Date.Before(y.From) || !d.Date.Before(cut) {
			continue
		}
		if _, ok := d.value(aqi.TermPM25); ok {
			perMonth[monthKey(d.Date)]++
			n++
		}
	}
	elapsed := Period{From: y.From, To: cut}
	var reasons []string
	if lost := elapsed.Days() - n; lost > y.Days()-minDaysYear {
		reasons = append(reasons, fmt.Sprintf("%d days without a valid PM2.5 mean, a year may lack at most %d", lost, y.Days()-minDaysYear))
	}
	if ok, why := MeanValidity(elapsed, perMonth); !ok {
		reasons = append(reasons, why...)
	}
	if len(reasons) == 0 {
		return ""
	}
	return "the PM2.5 annual mean can no longer be valid: " + strings.Join(reasons, "; ")
}

func fmtNum(v float64) string { return fmt.Sprintf("%.1f", v) }

// floor1 rounds down to 0.1: a bound shown to a reader must not be looser
// than the exact one.
func floor1(v float64) float64 { return math.Floor(v*10+1e-9) / 10 }

func ratioText(pr *Progress, so count, g, ng int) (zh, en string) {
	lim := fmtNum(pr.Target.Limit)
	switch {
	case pr.Final:
		return finalText(pr, "优良天数比例", "good-day ratio", fmtNum, "%", "≥ "+lim+" %")
	case g > pr.DaysRemaining:
		best := 100 * float64(so.good+pr.DaysRemaining) / float64(so.valid+pr.DaysRemaining)
		return fmt.Sprintf("即使余下%d天全部优良，全年优良天数比例最高为%.1f%%，低于目标%s%%，已无法实现。", pr.DaysRemaining, math.Floor(best*10)/10, lim),
			fmt.Sprintf("Out of reach: even if all %d remaining days were good, the year's ratio would be at most %.1f %%, below the %s %% target.", pr.DaysRemaining, math.Floor(best*10)/10, lim)
	}
	return fmt.Sprintf("今年最多还能有%d个非优良天：余下%d天中至少%d天须为优良（按余下各天数据均有效计）。", ng, pr.DaysRemaining, g),
		fmt.Sprintf("At most %d more non-good days this year: at least %d of the remaining %d days must be good (all assumed valid).", ng, g, pr.DaysRemaining)
}

func meanText(pr *Progress, budget int64) (zh, en string) {
	lim := fmtNum(pr.Target.Limit)
	switch {
	case pr.Final:
		return finalText(pr, "PM2.5年均浓度", "PM2.5 annual mean", fmtNum, " µg/m³", "≤ "+lim+" µg/m³")
	case budget < 0:
		return fmt.Sprintf("即使余下%d天PM2.5为零，全年均值仍将高于%s微克/立方米，已无法实现。", pr.DaysRemaining, lim),
			fmt.Sprintf("Out of reach: even with no PM2.5 at all in the remaining %d days the annual mean would stay above %s µg/m³.", pr.DaysRemaining, lim)
	}
	m := floor1(*pr.Needed.RestMeanMax)
	return fmt.Sprintf("余下%d天的PM2.5日均值平均须不高于%.1f微克/立方米（精确值%.3f）。", pr.DaysRemaining, m, *pr.Needed.RestMeanMax),
		fmt.Sprintf("The rest of the year (%d days) must average ≤ %.1f µg/m³ of PM2.5 (exactly %.3f).", pr.DaysRemaining, m, *pr.Needed.RestMeanMax)
}

func heavyText(pr *Progress, left int) (zh, en string) {
	lim := fmt.Sprintf("%d", int(pr.Target.Limit))
	switch {
	case pr.Final:
		return finalText(pr, "重污染天数", "heavy-pollution days", func(v float64) string { return fmt.Sprintf("%d", int(v)) }, "", "≤ "+lim)
	case left < 0:
		return fmt.Sprintf("已有%d个重污染天，超过目标%s天，已无法实现。", int(*pr.SoFar), lim),
			fmt.Sprintf("Out of reach: already %d heavy-pollution days, the target allows %s.", int(*pr.SoFar), lim)
	}
	return fmt.Sprintf("今年最多还能有%d个重污染天（目标不超过%s天，已有%d天）。", left, lim, int(*pr.SoFar)),
		fmt.Sprintf("At most %d more heavy-pollution days this year (target ≤ %s, %d so far).", left, lim, int(*pr.SoFar))
}

func finalText(pr *Progress, zhName, enName string, format func(float64) string, unit, target string) (zh, en string) {
	v := "无有效数据"
	ve := "no valid data"
	if pr.SoFar != nil {
		v = format(*pr.SoFar) + unit
		ve = v
	}
	if pr.Status == OnTrack {
		return fmt.Sprintf("全年%s为%s，达到目标（%s）。", zhName, v, target), fmt.Sprintf("Met: the year's %s is %s (target %s).", enName, ve, target)
	}
	return fmt.Sprintf("全年%s为%s，未达到目标（%s）。", zhName, v, target), fmt.Sprintf("Missed: the year's %s is %s (target %s).", enName, ve, target)
}

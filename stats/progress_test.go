package stats

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The arithmetic of "what is left", on many generated cases: meeting exactly
// the needed value meets the target, one day (or one µg/m³·day) worse
// misses it.
func TestNeededArithmeticProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 95))
	for n := range 20000 {
		valid := r.IntN(366)
		good := r.IntN(valid + 1)
		rest := r.IntN(367 - valid)
		limit := int64(r.IntN(100000) + 1) // 0.001 % … 100 %
		if n%4 == 0 {
			limit = int64(r.IntN(100)+1) * 1000 // whole percentages, as targets are written
		}
		g := goodDaysNeeded(good, valid, rest, limit)
		if g < 0 {
			t.Fatalf("negative need %d", g)
		}
		if g <= rest && (valid+rest > 0) && !ratioMeets(good+g, valid+rest, limit) {
			t.Fatalf("good %d/%d rest %d limit %d: %d more good days do not meet it", good, valid, rest, limit, g)
		}
		if g >= 1 && ratioMeets(good+g-1, valid+rest, limit) {
			t.Fatalf("good %d/%d rest %d limit %d: %d more (one fewer than needed) meet it", good, valid, rest, limit, g-1)
		}

		// Means: n valid days so far summing to sum (millionths), rest to come.
		days := r.IntN(366) + 1
		sum := int64(0)
		for range days {
			sum += int64(r.IntN(150_000_000)) + int64(r.IntN(1_000_000))
		}
		left := r.IntN(367-days) + 1
		lim := int64(r.IntN(80_000_000) + 1)
		budget := restSumMax(sum, days, left, lim)
		if budget >= 0 && !meanMeets(sum+budget, days+left, lim) {
			t.Fatalf("mean: the exact budget %d misses", budget)
		}
		if meanMeets(sum+budget+1_000_000, days+left, lim) {
			t.Fatalf("mean: one µg/m³·day over the budget %d still meets", budget)
		}
	}
}

// The same properties end to end: a year evaluated part-way, its remaining
// days then filled with exactly what Evaluate says is needed, is met at the
// year's end; one day worse is missed.
func TestEvaluateNeededEndToEnd(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 2015))
	for n := range 300 {
		y := 2014 + n%4 // 2016 is a leap year
		yp := YearPeriod(y)
		cut := 1 + r.IntN(yp.Days()-1) // elapsed days
		now := yp.From.AddDate(0, 0, cut)
		shareGood := r.Float64()
		elapsed := year(Period{From: yp.From, To: now}, func(i int, d time.Time) Day {
			switch x := r.Float64(); {
			case x < 0.03:
				return invalidDay(d)
			case x < shareGood:
				return pm25Day(d, float64(r.IntN(75_000_000))/1e6) // good, µg/m³ to 1e-6
			case x < shareGood+0.05:
				return pm25Day(d, pmHeavy+float64(r.IntN(40)))
			}
			return pm25Day(d, 75+float64(r.IntN(75_000_000)+1)/1e6) // light or moderate
		})
		end := yp.To

		// Good-day ratio.
		ratio := Target{Kind: KindGoodDayRatio, Year: y, Limit: float64(r.IntN(60)+40) + float64(r.IntN(10))/10}
		pr := Evaluate(ratio, elapsed, now, nil)
		g := *pr.Needed.GoodDaysMin
		if pr.DaysRemaining != yp.Days()-cut || *pr.Needed.NonGoodDaysMax != pr.DaysRemaining-g {
			t.Fatalf("remaining %d, needed %d / %d", pr.DaysRemaining, g, *pr.Needed.NonGoodDaysMax)
		}
		if g <= pr.DaysRemaining {
			fill := func(goodDays int) []Day {
				rest := year(Period{From: now, To: end}, func(i int, d time.Time) Day {
					if i < goodDays {
						return pm25Day(d, pmExcellent)
					}
					return pm25Day(d, pmLight)
				})
				return append(append([]Day(nil), elapsed...), rest...)
			}
			if st := Evaluate(ratio, fill(g), end, nil); st.Status != OnTrack || !st.Final {
				t.Fatalf("case %d: %d good of %d remaining days were needed, yet the year is %s (%v %%, target %v)", n, g, pr.DaysRemaining, st.Status, *st.SoFar, ratio.Limit)
			}
			if g > 0 {
				if st := Evaluate(ratio, fill(g-1), end, nil); st.Status != OutOfReach {
					t.Fatalf("case %d: one good day fewer than needed still %s", n, st.Status)
				}
			}
		} else if pr.Status != OutOfReach {
			t.Fatalf("case %d: %d good days needed of %d, status %s", n, g, pr.DaysRemaining, pr.Status)
		}

		// PM2.5 annual mean.
		mean := Target{Kind: KindPM25AnnualMean, Year: y, Limit: float64(r.IntN(60) + 20)}
		pr = Evaluate(mean, elapsed, now, nil)
		budget := int64(math.Round(*pr.Needed.RestSumMax * 1e6))
		if !near(*pr.Needed.RestMeanMax, *pr.Needed.RestSumMax/float64(pr.DaysRemaining)) {
			t.Fatalf("rest mean %v sum %v", *pr.Needed.RestMeanMax, *pr.Needed.RestSumMax)
		}
		if budget >= 0 {
			// Spread the budget over the remaining days exactly, in millionths.
			fill := func(extra int64) []Day {
				rest := pr.DaysRemaining
				each, rem := budget/int64(rest), budget%int64(rest)
				days := year(Period{From: now, To: end}, func(i int, d time.Time) Day {
					v := each
					if int64(i) < rem {
						v++
					}
					if i == 0 {
						v += extra
					}
					return pm25Day(d, float64(v)/1e6)
				})
				return append(append([]Day(nil), elapsed...), days...)
			}
			if st := Evaluate(mean, fill(0), end, nil); st.Status != OnTrack {
				t.Fatalf("case %d: the remaining days at exactly %v µg/m³ on average give %s (mean %v, target %v)", n, *pr.Needed.RestMeanMax, st.Status, *st.SoFar, mean.Limit)
			}
			if st := Evaluate(mean, fill(1_000_000), end, nil); st.Status != OutOfReach {
				t.Fatalf("case %d: one µg/m³·day over the budget still %s", n, st.Status)
			}
		} else if pr.Status != OutOfReach {
			t.Fatalf("case %d: negative budget, status %s", n, pr.Status)
		}

		// Heavy days.
		heavy := Target{Kind: KindHeavyDays, Year: y, Limit: float64(r.IntN(20))}
		pr = Evaluate(heavy, elapsed, now, nil)
		left := *pr.Needed.HeavyDaysMax
		if left >= 0 && left <= pr.DaysRemaining {
			fill := func(k int) []Day {
				days := year(Period{From: now, To: end}, func(i int, d time.Time) Day {
					if i < k {
						return pm25Day(d, pmHeavy)
					}
					return pm25Day(d, pmExcellent)
				})
				return append(append([]Day(nil), elapsed...), days...)
			}
			if st := Evaluate(heavy, fill(left), end, nil); st.Status != OnTrack {
				t.Fatalf("case %d: %d more heavy days were allowed, yet %s", n, left, st.Status)
			}
			if left < pr.DaysRemaining {
				if st := Evaluate(heavy, fill(left+1), end, nil); st.Status != OutOfReach {
					t.Fatalf("case %d: one heavy day more than allowed still %s", n, st.Status)
				}
			}
		} else if left < 0 && pr.Status != OutOfReach {
			t.Fatalf("case %d: already over, status %s", n, pr.Status)
		}
	}
}

// The status rule, case by case.
func TestEvaluateStatus(t *testing.T) {
	y := 2015
	half := Date(y, time.July, 1) // 181 days elapsed, 184 remaining
	// So far: 181 valid days, good for the first g of them, the rest light.
	soFar := func(good int) []Day {
		return year(Period{From: YearPeriod(y).From, To: half}, func(i int, d time.Time) Day {
			if i < good {
				return pm25Day(d, pmExcellent)
			}
			return pm25Day(d, pmLight)
		})
	}
	// Past years' July–December, good on a share of days.
	past := func(share float64) []Day {
		var out []Day
		for _, py := range []int{2013, 2014} {
			out = append(out, year(YearPeriod(py), func(i int, d time.Time) Day {
				if d.Before(Date(py, time.July, 1)) {
					return pm25Day(d, pmLight) // the first half does not matter
				}
				if float64(i%100) < share*100 {
					return pm25Day(d, pmExcellent)
				}
				return pm25Day(d, pmLight)
			})...)
		}
		return out
	}
	ratio := Target{Kind: KindGoodDayRatio, Year: y, Limit: 90}
	cases := []struct {
		name   string
		t      Target
		days   []Day
		now    time.Time
		past   []Day
		status Status
		basis  string
		text   string
	}{
		// 170 of 181 good (93.9 %) and the past second halves all good: on track.
		// 90 % of 365 is 328.5, so 329 good days: 159 more, 25 non-good allowed.
		{"on track by past years", ratio, soFar(170), half, past(1), OnTrack, "past_years", "At most 25 more non-good days"},
		// Same so far, but past second halves only 65 % good: projected 79.5 % — at risk.
		{"at risk by past years", ratio, soFar(170), half, past(0.6), AtRisk, "past_years", "At most 25 more non-good days"},
		// No past data: the pace so far (93.9 % ≥ 90 %) continues: on track.
		{"on track by pace", ratio, soFar(170), half, nil, OnTrack, "so_far", ""},
		// Pace 80 % < 90 %, still reachable (needs 156 of 184 good): at risk.
		{"at risk by pace", ratio, soFar(145), half, nil, AtRisk, "so_far", "at least 184 of the remaining 184"},
		// 100 of 181 good: even 184 good days give 284/365 = 77.8 %: out of reach.
		{"out of reach", ratio, soFar(100), half, past(1), OutOfReach, "past_years", "at most 77.8 %"},
		// Before the year begins: nothing to project from, on track.
		{"before the year", ratio, nil, Date(y, 1, 1), nil, OnTrack, "", "at least 329 of the remaining 365"},
		// The year is over: met or missed, final.
		{"final met", ratio, append(soFar(181), year(Period{From: half, To: Date(y+1, 1, 1)}, func(i int, d time.Time) Day { return pm25Day(d, pmExcellent) })...), Date(y+1, 1, 1), nil, OnTrack, "", "Met"},
		{"final missed", ratio, soFar(100), Date(y+1, 1, 1), nil, OutOfReach, "", "Missed"},
		// A reduction without last year's count and no data of last year: unknown.
		{"reduction unknown", Target{Kind: KindHeavyDaysReduction, Year: y, By: 1}, soFar(170), half, nil, Unknown, "", "not known"},
		// With last year's data (2014 has no heavy day): at most −1 — out of reach at once.
		{"reduction from data", Target{Kind: KindHeavyDaysReduction, Year: y, By: 1}, soFar(170), half, past(1), OutOfReach, "past_years", "the target allows -1"},
	}
	for _, c := range cases {
		pr := Evaluate(c.t, c.days, c.now, c.past)
		basis := ""
		if pr.Projection != nil {
			basis = pr.Projection.Basis
		}
		if pr.Status != c.status || basis != c.basis || !strings.Contains(pr.TextEN, c.text) {
			t.Errorf("%s: %s by %q: %s (%+v)", c.name, pr.Status, basis, pr.TextEN, pr.Projection)
		}
	}
}

// The mean's needed value in words, and the note when the annual mean can no
// longer be valid.
func TestEvaluateMeanText(t *testing.T) {
	y := 2015
	// 100 days at 40 µg/m³, then 41 days without data.
	days := year(Period{From: Date(y, 1, 1), To: Date(y, 5, 22)}, func(i int, d time.Time) Day {
		if i < 100 {
			return pm25Day(d, 40)
		}
		return invalidDay(d)
	})
	now := Date(y, 5, 22) // 141 days elapsed, 224 remaining
	pr := Evaluate(Target{Kind: KindPM25AnnualMean, Year: y, Limit: 35}, days, now, nil)
	// (35·(100 + 224) − 100·40)/224 = 7340/224 = 32.767857…
	if !near(*pr.Needed.RestMeanMax, 7340.0/224) || *pr.Needed.RestSumMax != 7340 {
		t.Fatalf("needed %v / %v", *pr.Needed.RestMeanMax, *pr.Needed.RestSumMax)
	}
	if !strings.Contains(pr.TextEN, "must average ≤ 32.7 µg/m³") || !strings.Contains(pr.TextZH, "不高于32.7微克") {
		t.Errorf("text %q / %q", pr.TextEN, pr.TextZH)
	}
	// 41 days lost (a year may lack 41, so that alone is not fatal), but
	// April has 10 valid days and May none of its first 21: no longer valid.
	if len(pr.Notes) != 1 || !strings.Contains(pr.Notes[0], "2015-04: 10 valid days, the month needs 27; 2015-05 (05-01 to 05-21): 21 of 21 days not valid, the month allows 4") {
		t.Errorf("notes %q", pr.Notes)
	}
}

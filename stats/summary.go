package stats

import (
	"fmt"
	"slices"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// Summary is the statistics of one scope over one period (a day, a month, a
// season, a year or any days [from, to)).
type Summary struct {
	Scope  Scope  `json:"scope"`
	Period Period `json:"period"`
	// Days is the number of natural days in the period.
	Days int `json:"days"`
	// ValidDays are the days whose daily report is complete (every measured
	// pollutant valid, an AQI published: aqi.SummariseDays); only they are
	// counted in categories and ratios (HJ 663—2013 §5, 达标天数比例 over
	// the days with valid data). Days without data are not valid.
	ValidDays int `json:"valid_days"`
	// CoverageValid says the valid days cover the period as a mean needs
	// (GB 3095—2012 Table 4, as for PollutantStat.Valid): only then do its
	// day counts compare with another period's (Compare).
	CoverageValid bool `json:"coverage_valid"`
	// Categories counts the valid days per category of HJ 633 (Table 2 of
	// either edition), each with its share of the valid days in percent.
	Categories Categories `json:"categories"`
	// GoodDays are the valid days with AQI ≤ 100: excellent and good
	// together (优良天数, levels 1–2); GoodRatio is GoodDays/ValidDays in
	// percent (优良天数比例), null without valid days.
	GoodDays  int      `json:"good_days"`
	GoodRatio *float64 `json:"good_ratio_pct"`
	// NonGoodDays are the valid days with AQI > 100 (ValidDays − GoodDays).
	NonGoodDays int `json:"non_good_days"`
	// HeavyDays are the valid days with AQI > 200 (重污染天数: 重度污染 and
	// 严重污染, levels 5–6); HeavyRatio is their share of valid days in percent.
	HeavyDays  int      `json:"heavy_days"`
	HeavyRatio *float64 `json:"heavy_ratio_pct"`
	// HeavyPrimary counts, per primary pollutant (term name: pm25, pm10,
	// o3_8h, …), the heavy days it was primary on; a day with tied primary
	// pollutants counts for each.
	HeavyPrimary map[string]int `json:"heavy_primary"`
	// Heavy lists the heavy days in date order.
	Heavy []HeavyDay `json:"heavy"`
	// Pollutants are the six pollutants' period means and evaluation
	// percentiles with their validity.
	Pollutants Pollutants `json:"pollutants"`
	// Editions says which edition of HJ 633 each day of the period used,
	// as runs of consecutive days.
	Editions []EditionSpan `json:"editions"`
}

// Categories counts valid days per category.
type Categories struct {
	Excellent CategoryCount `json:"excellent"` // level 1, 优, AQI 0–50 (2026: 1–50)
	Good      CategoryCount `json:"good"`      // level 2, 良, 51–100
	Light     CategoryCount `json:"light"`     // level 3, 轻度污染, 101–150
	Moderate  CategoryCount `json:"moderate"`  // level 4, 中度污染, 151–200
	Heavy     CategoryCount `json:"heavy"`     // level 5, 重度污染, 201–300
	Severe    CategoryCount `json:"severe"`    // level 6, 严重污染, > 300
}

// Level returns the count of level 1..6 (nil otherwise).
func (c *Categories) Level(level int) *CategoryCount {
	switch level {
	case 1:
		return &c.Excellent
	case 2:
		return &c.Good
	case 3:
		return &c.Light
	case 4:
		return &c.Moderate
	case 5:
		return &c.Heavy
	case 6:
		return &c.Severe
	}
	return nil
}

// CategoryCount is a number of valid days and its share of the valid days in
// percent (null without valid days).
type CategoryCount struct {
	Days     int      `json:"days"`
	RatioPct *float64 `json:"ratio_pct"`
}

// HeavyDay is one heavy-pollution day.
type HeavyDay struct {
	Date    string      `json:"date"`
	AQI     int         `json:"aqi"`
	Level   int         `json:"level"`
	Primary aqi.TermSet `json:"primary"`
	Edition int         `json:"edition"`
}

// EditionSpan is a run of consecutive days computed under one edition.
type EditionSpan struct {
	Edition int    `json:"edition"` // 2012 or 2026
	Name    string `json:"name"`    // "HJ 633—2012"
	From    string `json:"from"`    // first day
	To      string `json:"to"`      // last day (inclusive)
	Days    int    `json:"days"`
}

// Pollutants are the six evaluated indicators' statistics (see Indicators).
type Pollutants = ByIndicator[PollutantStat]

// PollutantStat is one indicator over the period.
type PollutantStat struct {
	Unit string `json:"unit"` // µg/m³, CO mg/m³
	// ValidDays are the days with a valid daily value of the indicator (its
	// own rule: ≥ 20 hours for a 24-hour mean, ≥ 6 of 8 for an 8-hour O3
	// window), whether or not the day's AQI report is complete.
	ValidDays int `json:"valid_days"`
	// Mean is the arithmetic mean of the valid daily values (for O3 the
	// mean of the daily maximum 8-hour values), null without any. HJ 663
	// evaluates the annual means of SO2, NO2, PM10 and PM2.5; those of CO
	// and O3 are given for information.
	Mean *float64 `json:"mean"`
	// Percentile is the percentile HJ 663—2013 evaluates the indicator's
	// daily values by (§4 Table 1, aqi.EvaluationPercentile): 98 for SO2 and
	// NO2, 95 for PM10, PM2.5 and CO (CO 24 h P95), 90 for the daily maximum
	// 8-hour O3 (O3_8h P90). PercentileValue is computed by HJ 663 Appendix
	// A (aqi.Percentile: sorted ascending, k = 1 + (n−1)·p/100, interpolated
	// between the k-th and (k+1)-th values).
	Percentile      float64  `json:"percentile"`
	PercentileValue *float64 `json:"percentile_value"`
	// Valid says whether Mean and PercentileValue are valid statistics of
	// the period under GB 3095—2012 Table 4 (applied by HJ 663—2013 §6): a
	// year needs ≥ 324 valid days, and every month ≥ 27 (February ≥ 25);
	// other periods as the package doc says. Invalid lists why not.
	Valid   bool     `json:"valid"`
	Invalid []string `json:"invalid,omitempty"`
}

// Summarise computes the statistics of scope over period p from its days
// (any range, in date order; days outside p are ignored, days of p that are
// absent count as not valid).
func Summarise(scope Scope, days []Day, p Period) Summary {
	s := Summary{Scope: scope, Period: p, Days: p.Days(), HeavyPrimary: map[string]int{}, Heavy: []HeavyDay{}, Editions: []EditionSpan{}}
	results := make([]aqi.Result, 0, s.Days)
	var values [len(Indicators)][]float64
	var perMonth [len(Indicators)]map[int]int
	validPerMonth := map[int]int{}
	for k := range Indicators {
		values[k] = make([]float64, 0, s.Days)
		perMonth[k] = map[int]int{}
	}
	for i := range days {
		d := &days[i]
		if !p.Contains(d.Date) {
			continue
		}
		results = append(results, d.Result)
		if d.Valid() {
			validPerMonth[monthKey(d.Date)]++
		}
		s.addEdition(d)
		if d.Heavy() {
			s.Heavy = append(s.Heavy, HeavyDay{Date: d.Date.In(aqi.CST).Format(time.DateOnly), AQI: d.Result.AQI,
				Level: d.Result.Level, Primary: d.Result.Primary, Edition: int(d.Edition)})
			for t := range d.Result.Primary.All() {
				s.HeavyPrimary[t.String()]++
			}
		}
		for k, t := range Indicators {
			if v, ok := d.value(t); ok {
				values[k] = append(values[k], v)
				perMonth[k][monthKey(d.Date)]++
			}
		}
	}
	sum := aqi.SummariseDays(results)
	s.ValidDays = sum.Valid
	s.CoverageValid, _ = MeanValidity(p, validPerMonth)
	for lv := 1; lv <= 6; lv++ {
		c := s.Categories.Level(lv)
		c.Days = sum.ByLevel[lv]
		c.RatioPct = pct(c.Days, s.ValidDays)
	}
	s.GoodDays = sum.Good()
	s.GoodRatio = pct(s.GoodDays, s.ValidDays)
	s.NonGoodDays = s.ValidDays - s.GoodDays
	s.HeavyDays = sum.HeavyOrWorse()
	s.HeavyRatio = pct(s.HeavyDays, s.ValidDays)
	for k, t := range Indicators {
		st := s.Pollutants.Of(t)
		st.Unit = "µg/m³"
		if t == aqi.TermCO {
			st.Unit = "mg/m³"
		}
		st.ValidDays = len(values[k])
		st.Percentile, _ = aqi.EvaluationPercentile(t)
		if n := len(values[k]); n > 0 {
			var total int64
			for _, v := range values[k] {
				total += micro(v)
			}
			m := roundFor(t, float64(total)/1e6/float64(n))
			st.Mean = &m
			if v, ok := aqi.Percentile(values[k], st.Percentile); ok {
				v = roundFor(t, v)
				st.PercentileValue = &v
			}
		}
		st.Valid, st.Invalid = MeanValidity(p, perMonth[k])
	}
	return s
}

func (s *Summary) addEdition(d *Day) {
	date := d.Date.In(aqi.CST).Format(time.DateOnly)
	if n := len(s.Editions); n > 0 && s.Editions[n-1].Edition == int(d.Edition) {
		s.Editions[n-1].To = date
		s.Editions[n-1].Days++
		return
	}
	s.Editions = append(s.Editions, EditionSpan{Edition: int(d.Edition), Name: d.Edition.String(), From: date, To: date, Days: 1})
}

// pct is n/of in percent rounded to 0.1, nil when of is 0.
func pct(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := round(100*float64(n)/float64(of), 1)
	return &v
}

// monthKey identifies the calendar month of a day (CST).
func monthKey(d time.Time) int {
	d = d.In(aqi.CST)
	return d.Year()*12 + int(d.Month()) - 1
}

// Minimum daily values for a mean, GB 3095—2012 Table 4 (数据统计的有效性
// 规定), which HJ 663—2013 §6 applies: an annual mean needs 324 daily values
// in the year and, like a monthly mean, 27 in each month (25 in February).
const (
	minDaysYear     = 324
	minDaysMonth    = 27
	minDaysFebruary = 25
)

// monthMinimum is the fewest valid days month m may have.
func monthMinimum(m time.Month) int {
	if m == time.February {
		return minDaysFebruary
	}
	return minDaysMonth
}

// MeanValidity applies the validity rule of a period mean (GB 3095—2012
// Table 4 via HJ 663—2013 §6; see the package doc for seasons and other
// periods) to the number of valid daily values per calendar month
// (validPerMonth[year*12 + month − 1]). It returns whether the mean is
// valid and, if not, every reason.
func MeanValidity(p Period, validPerMonth map[int]int) (ok bool, reasons []string) {
	total := 0
	for m := p.From.In(aqi.CST); m.Before(p.To); {
		first := Date(m.Year(), m.Month(), 1)
		next := first.AddDate(0, 1, 0)
		from, to := slices.MaxFunc([]time.Time{first, p.From}, time.Time.Compare), slices.MinFunc([]time.Time{next, p.To}, time.Time.Compare)
		covered := int(to.Sub(from) / (24 * time.Hour))
		length := daysIn(m.Year(), m.Month())
		valid := validPerMonth[monthKey(first)]
		total += valid
		need := monthMinimum(m.Month())
		label := first.Format("2006-01")
		switch {
		case covered == length && valid < need:
			reasons = append(reasons, fmt.Sprintf("%s: %d valid days, the month needs %d", label, valid, need))
		case covered < length && covered-valid > length-need:
			reasons = append(reasons, fmt.Sprintf("%s (%s to %s): %d of %d days not valid, the month allows %d",
				label, from.Format("01-02"), to.AddDate(0, 0, -1).Format("01-02"), covered-valid, covered, length-need))
		}
		m = next
	}
	if p.IsYear() && total < minDaysYear {
		reasons = append([]string{fmt.Sprintf("%d valid days, the year needs %d", total, minDaysYear)}, reasons...)
	}
	if total == 0 && p.Days() > 0 && len(reasons) == 0 {
		reasons = append(reasons, "no valid day")
	}
	if p.Days() == 0 {
		reasons = append(reasons, "empty period")
	}
	return len(reasons) == 0, reasons
}

package aqi

import "math"

var nan = math.NaN()

// Hour holds one hour's concentrations per pollutant: µg/m³, CO in mg/m³.
// NaN means missing; negative values and infinities are treated as missing.
type Hour [NumPollutants]float64

// MissingHour returns an hour with every pollutant missing.
func MissingHour() Hour {
	nan := math.NaN()
	return Hour{nan, nan, nan, nan, nan, nan}
}

// Concentrations holds one concentration per term (µg/m³, CO mg/m³), NaN
// for missing. For a daily report: 24-hour means of SO2, NO2, PM10, CO and
// PM2.5, the daily maximum 1-hour O3 in TermO3 (read by 2012 only) and the
// daily maximum 8-hour O3 mean in TermO3_8h.
type Concentrations [NumTerms]float64

// MissingConcentrations returns Concentrations with every term missing.
func MissingConcentrations() Concentrations {
	var c Concentrations
	for t := range c {
		c[t] = math.NaN()
	}
	return c
}

// HourlyMethod selects how a 2012 real-time (hourly) AQI is computed.
// HJ 633—2026 prescribes one method and ignores this choice.
type HourlyMethod int

const (
	// PlatformPractice is what the national real-time platform published
	// under 2012 and what 2026 prescribes: the six 1-hour values, 1-hour
	// PM on the 24-hour columns, no 8-hour O3 term, SO2 above 800 left out.
	PlatformPractice HourlyMethod = iota
	// Literal2012 follows the 2012 table as written: PM10 and PM2.5 from
	// their 24-hour moving means, an 8-hour O3 term, and SO2 above 800
	// read from its 24-hour mean on the 24-hour column.
	Literal2012
)

// String returns "platform" or "literal".
func (m HourlyMethod) String() string {
	if m == Literal2012 {
		return "literal"
	}
	return "platform"
}

// Options are choices about a station or a method; the zero value is the
// default: every pollutant measured, platform practice for 2012 hours.
type Options struct {
	// NotMeasured lists pollutants the station does not measure (shown as
	// "/"). They are neither computed nor counted as missing, so they do not
	// trigger the 2026 NA rule.
	NotMeasured PollutantSet
	// Method is the 2012 real-time method. Literal2012 needs moving means,
	// so it is honoured by Rolling; HourlyAQIOpt computes the platform
	// practice and HourlyLiteral2012 takes the means explicitly.
	Method HourlyMethod
}

// MovingMeans are the moving means the literal 2012 hourly table reads in
// addition to the hour's own values (µg/m³; NaN when not valid).
type MovingMeans struct {
	PM10_24h float64 // 24-hour moving mean ending this hour
	PM25_24h float64 // 24-hour moving mean ending this hour
	O3_8h    float64 // 8-hour moving mean ending this hour
	SO2_24h  float64 // read only when the 1-hour SO2 is above 800
}

// columns name, for each term, the table column a kind of report reads.
type columns [NumTerms]column

var (
	hourlyColumns = columns{colSO2_1h, colNO2_1h, colPM10_24h, colCO_1h, colO3_1h, colPM25_24h, colNone}
	literalColumn = columns{colSO2_1h, colNO2_1h, colPM10_24h, colCO_1h, colO3_1h, colPM25_24h, colO3_8h}
	daily2012     = columns{colSO2_24h, colNO2_24h, colPM10_24h, colCO_24h, colO3_1h, colPM25_24h, colO3_8h}
	daily2026     = columns{colSO2_24h, colNO2_24h, colPM10_24h, colCO_24h, colNone, colPM25_24h, colO3_8h}
)

func dailyColumns(ed Edition) *columns {
	if ed == Edition2012 {
		return &daily2012
	}
	return &daily2026
}

// HourlyAQI is the real-time AQI of one hour: the platform practice under
// 2012, the prescribed rule under 2026 (the same terms, plus input rounding,
// SO2 above 800 at 200 and the NA rule).
func HourlyAQI(h Hour, ed Edition) Result { return HourlyAQIOpt(h, ed, Options{}) }

// HourlyAQIOpt is HourlyAQI for a station described by opt. opt.Method is
// not consulted: a single hour cannot give moving means (see
// HourlyLiteral2012 and Rolling).
func HourlyAQIOpt(h Hour, ed Edition, opt Options) Result {
	var c [NumTerms]int64
	for p := range NumPollutants {
		c[p] = quantise(h[p])
	}
	c[TermO3_8h] = missing
	return evaluate(ed, &hourlyColumns, &c, missing, opt.NotMeasured)
}

// HourlyLiteral2012 is the 2012 real-time AQI read literally from the table:
// 1-hour SO2, NO2, CO and O3 from h, PM10 and PM2.5 from their 24-hour moving
// means, the 8-hour O3 term, and for SO2 above 800 the 24-hour SO2 mean. The
// 1-hour PM values in h are not used.
func HourlyLiteral2012(h Hour, m MovingMeans, opt Options) Result {
	var c [NumTerms]int64
	for p := range NumPollutants {
		c[p] = quantise(h[p])
	}
	c[TermPM10] = quantise(m.PM10_24h)
	c[TermPM25] = quantise(m.PM25_24h)
	c[TermO3_8h] = quantise(m.O3_8h)
	return evaluate(Edition2012, &literalColumn, &c, quantise(m.SO2_24h), opt.NotMeasured)
}

// DailyFromMeans is the daily AQI from already aggregated values (see
// Concentrations), e.g. a forecast or a published daily table.
func DailyFromMeans(m Concentrations, ed Edition, opt Options) Result {
	var c [NumTerms]int64
	for t := range NumTerms {
		c[t] = quantise(m[t])
	}
	ed = ed.normalise()
	return evaluate(ed, dailyColumns(ed), &c, missing, opt.NotMeasured)
}

// DailyAQI is the AQI of 24 consecutive hours, day[0] the oldest: a natural
// day (the hours labelled 01:00 … 24:00) or any rolling window. 24-hour means
// need ≥ 20 valid hours, an 8-hour O3 mean ≥ 6 of its 8 hours, and the
// maximum 8-hour O3 is taken over the 17 8-hour windows that lie inside the
// 24 hours: for a natural day exactly the windows ending 08:00 … 24:00.
// Under 2012 the daily maximum 1-hour O3 is a further term.
func DailyAQI(day [24]Hour, ed Edition, opt Options) Result {
	var r Rolling
	r.opt = opt
	for i := range day {
		r.Push(day[i])
	}
	return r.Daily(ed)
}

// evaluate turns per-term concentrations (micro-units, missing < 0) into a
// Result. cols says which column each term reads (colNone: not in this
// report); so2Day is the 24-hour SO2 the 2012 literal table falls back on.
func evaluate(ed Edition, cols *columns, c *[NumTerms]int64, so2Day int64, notMeasured PollutantSet) Result {
	ed = ed.normalise()
	tab := tableOf(ed)
	r := Result{Edition: ed}
	aqi := -1
	for t := range NumTerms {
		r.IAQI[t] = -1
		r.Conc[t] = math.NaN()
		col := cols[t]
		if col == colNone {
			continue
		}
		p := t.Pollutant()
		if notMeasured.Has(p) {
			continue
		}
		v := c[t]
		if v < 0 {
			r.Missing |= 1 << p
			continue
		}
		if ed == Edition2026 {
			v = round2026(v, p == CO)
		}
		var idx int
		var beyond bool
		switch {
		case col == colSO2_1h && v > topOf(tab, col):
			r.Flags |= FlagSO2Above800
			switch {
			case ed == Edition2026:
				idx = 200
			case so2Day >= 0:
				v = so2Day
				idx, beyond = subIndex(tab, colSO2_24h, v)
			default:
				continue // platform practice: SO2 left out of the hour
			}
		case col == colO3_8h && v > topOf(tab, col):
			r.Flags |= FlagO3_8hAbove800
			if ed == Edition2012 {
				continue // the 1-hour O3 term reports ozone
			}
			idx = 300
		default:
			idx, beyond = subIndex(tab, col, v)
		}
		r.IAQI[t] = idx
		r.Conc[t] = float64(v) / unit
		r.BeyondIndex = r.BeyondIndex || beyond
		aqi = max(aqi, idx)
	}
	if aqi < 0 || (ed == Edition2026 && aqi <= 100 && r.Missing != 0) {
		r.NA = true
		return r
	}
	if ed == Edition2026 && aqi < 1 {
		// The 2026 category table starts at 1; only all-zero readings get here.
		aqi = 1
	}
	r.AQI = aqi
	r.Level = LevelOf(aqi)
	for t := range NumTerms {
		idx := r.IAQI[t]
		if aqi > 50 && idx == aqi {
			r.Primary |= 1 << t
		}
		if idx > 100 {
			if ed == Edition2012 {
				r.OverStandard |= 1 << t
			} else {
				r.SensitiveGroups |= sensitive[t.Pollutant()]
			}
		}
	}
	return r
}

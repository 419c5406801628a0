package stats

import "github.com/aqwarn/aqwarn/aqi"

// Comparison sets a period's figures beside those of the same period one
// year earlier (同比).
type Comparison struct {
	Period    Period `json:"period"`
	LastYear  Period `json:"last_year"`
	ValidDays Change `json:"valid_days"`
	GoodDays  Change `json:"good_days"`
	// GoodRatio's Diff is in percentage points.
	GoodRatio Change `json:"good_ratio_pct"`
	HeavyDays Change `json:"heavy_days"`
	// Means compares the pollutants' period means.
	Means MeanChanges `json:"means"`
}

// MeanChanges compares the means of the six indicators.
type MeanChanges = ByIndicator[Change]

// Change is one figure now and a year earlier.
type Change struct {
	Now      *float64 `json:"now"`
	LastYear *float64 `json:"last_year"`
	// Diff is Now − LastYear in the figure's unit (percentage points for a
	// ratio); null when either is unknown.
	Diff *float64 `json:"diff"`
	// DiffPct is Diff as a percentage of LastYear (同比变化率) for counts and
	// means; null for ratios and when LastYear is 0.
	DiffPct *float64 `json:"diff_pct"`
	// Valid says both figures can be compared: for means both are valid
	// under GB 3095—2012 Table 4; for counts and ratios both periods' valid
	// days cover them by the same rule (Summary.CoverageValid), so a partial
	// year does not pass for a better one.
	Valid bool `json:"valid"`
}

// Compare sets now beside last, the same scope's summary of now.Period.LastYear().
func Compare(now, last Summary) Comparison {
	c := Comparison{Period: now.Period, LastYear: last.Period}
	counts := now.CoverageValid && last.CoverageValid
	c.ValidDays = change(num(now.ValidDays), num(last.ValidDays), true, now.Days > 0 && last.Days > 0, 0)
	c.GoodDays = change(num(now.GoodDays), num(last.GoodDays), true, counts, 0)
	c.GoodRatio = change(now.GoodRatio, last.GoodRatio, false, counts, 1)
	c.HeavyDays = change(num(now.HeavyDays), num(last.HeavyDays), true, counts, 0)
	for _, t := range Indicators {
		a, b := now.Pollutants.Of(t), last.Pollutants.Of(t)
		dec := 1
		if t == aqi.TermCO {
			dec = 2
		}
		*c.Means.Of(t) = change(a.Mean, b.Mean, true, a.Valid && b.Valid, dec)
	}
	return c
}

func num(n int) *float64 {
	v := float64(n)
	return &v
}

func change(now, last *float64, relative, valid bool, decimals int) Change {
	c := Change{Now: now, LastYear: last, Valid: valid && now != nil && last != nil}
	if now == nil || last == nil {
		return c
	}
	d := round(*now-*last, decimals)
	c.Diff = &d
	if relative && *last != 0 {
		r := round(100*(*now-*last) / *last, 1)
		c.DiffPct = &r
	}
	return c
}

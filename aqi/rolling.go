package aqi

// Rolling keeps the last 24 hours of one series (a station or a region) and
// evaluates the hourly and the 24-hour AQI ending at the newest hour in
// constant time: 24-hour and 8-hour sums are updated as hours enter and
// leave, so replaying years of data costs a few hundred nanoseconds an hour.
//
// Push one Hour per consecutive hour; push MissingHour for a gap, or the
// windows will silently span it. Hours before the first Push count as
// missing. The zero Rolling is ready to use with default Options.
type Rolling struct {
	opt   Options
	n     int // hours pushed
	pos   int // ring slot of the newest hour
	hours [24][NumPollutants]int64
	sum   [NumPollutants]int64 // over the hours in the ring
	cnt   [NumPollutants]int
	o3Sum int64 // O3 over the last 8 hours
	o3Cnt int
	o3_8h [24]int64 // 8-hour O3 mean ending at each slot, missing when < 6 valid hours
}

// NewRolling returns an empty Rolling for a station described by opt.
func NewRolling(opt Options) *Rolling { return &Rolling{opt: opt} }

// Reset empties the window, keeping the options.
func (r *Rolling) Reset() { *r = Rolling{opt: r.opt} }

// Len returns the number of hours pushed since the last Reset.
func (r *Rolling) Len() int { return r.n }

// Push appends the next consecutive hour.
func (r *Rolling) Push(h Hour) {
	if r.n == 0 {
		for i := range r.hours {
			for p := range r.hours[i] {
				r.hours[i][p] = missing
			}
			r.o3_8h[i] = missing
		}
		r.pos = len(r.hours) - 1
	}
	next := (r.pos + 1) % 24
	// The slot 8 hours back leaves the 8-hour window; read it before
	// anything is overwritten (it is not the slot being replaced).
	if o := r.hours[(next+16)%24][O3]; o >= 0 {
		r.o3Sum -= o
		r.o3Cnt--
	}
	slot := &r.hours[next]
	for p := range NumPollutants {
		if old := slot[p]; old >= 0 {
			r.sum[p] -= old
			r.cnt[p]--
		}
		v := quantise(h[p])
		slot[p] = v
		if v >= 0 {
			r.sum[p] += v
			r.cnt[p]++
		}
	}
	if o := slot[O3]; o >= 0 {
		r.o3Sum += o
		r.o3Cnt++
	}
	if r.o3Cnt >= 6 {
		r.o3_8h[next] = meanMicro(r.o3Sum, r.o3Cnt)
	} else {
		r.o3_8h[next] = missing
	}
	r.pos = next
	r.n++
}

// mean24 is the 24-hour mean of p, or missing with fewer than 20 valid hours.
func (r *Rolling) mean24(p Pollutant) int64 {
	if r.cnt[p] < 20 {
		return missing
	}
	return meanMicro(r.sum[p], r.cnt[p])
}

// Hourly is the real-time AQI of the newest hour under ed: the platform
// practice (or, with Options.Method Literal2012, the literal table) for
// 2012, the prescribed rule for 2026.
func (r *Rolling) Hourly(ed Edition) Result {
	var c [NumTerms]int64
	if r.n == 0 {
		for t := range c {
			c[t] = missing
		}
		return evaluate(ed, &hourlyColumns, &c, missing, r.opt.NotMeasured)
	}
	cur := &r.hours[r.pos]
	for p := range NumPollutants {
		c[p] = cur[p]
	}
	if ed.normalise() == Edition2026 || r.opt.Method != Literal2012 {
		c[TermO3_8h] = missing
		return evaluate(ed, &hourlyColumns, &c, missing, r.opt.NotMeasured)
	}
	c[TermPM10] = r.mean24(PM10)
	c[TermPM25] = r.mean24(PM25)
	c[TermO3_8h] = r.o3_8h[r.pos]
	return evaluate(Edition2012, &literalColumn, &c, r.mean24(SO2), r.opt.NotMeasured)
}

// Daily is the AQI of the 24 hours ending with the newest hour, by the rules
// of DailyAQI.
func (r *Rolling) Daily(ed Edition) Result {
	ed = ed.normalise()
	var c [NumTerms]int64
	for _, p := range [...]Pollutant{SO2, NO2, PM10, CO, PM25} {
		c[p] = r.mean24(p)
	}
	c[TermO3] = missing
	c[TermO3_8h] = missing
	if r.n > 0 {
		if ed == Edition2012 {
			for i := range r.hours {
				c[TermO3] = max(c[TermO3], r.hours[i][O3])
			}
		}
		// The 17 newest 8-hour means are those whose windows lie inside the 24 hours.
		for k := range 17 {
			c[TermO3_8h] = max(c[TermO3_8h], r.o3_8h[(r.pos+24-k)%24])
		}
	}
	return evaluate(ed, dailyColumns(ed), &c, missing, r.opt.NotMeasured)
}

// RollingDaily appends to out the 24-hour AQI of the window ending at each
// hour of a consecutive series (windows reaching before hours[0] count those
// hours as missing) and returns the extended slice.
func RollingDaily(hours []Hour, ed Edition, opt Options, out []Result) []Result {
	r := Rolling{opt: opt}
	for i := range hours {
		r.Push(hours[i])
		out = append(out, r.Daily(ed))
	}
	return out
}

// RegionHour averages the stations' valid values per pollutant; a pollutant
// with no valid value at any station is missing (NaN). The region's AQI is
// then computed from these means, never by averaging station AQIs.
func RegionHour(stations []Hour) Hour {
	var out Hour
	for p := range NumPollutants {
		sum, n := 0.0, 0
		for i := range stations {
			if v := stations[i][p]; quantise(v) >= 0 {
				sum += v
				n++
			}
		}
		if n == 0 {
			out[p] = nan
		} else {
			out[p] = sum / float64(n)
		}
	}
	return out
}

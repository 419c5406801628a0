// Package aqijob is the hourly AQI job: it reads the hourly readings from
// the store, computes the AQI of every station and region with package aqi,
// writes the AQI series back, and keeps the newest values in memory for the
// API. It runs at minute 5 of every hour (and whenever asked); each run
// recomputes a trailing window so late readings are picked up, and every
// write is an idempotent upsert.
package aqijob

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
)

// Readings is where the job reads hourly readings.
type Readings interface {
	Readings(ctx context.Context, interval time.Duration, from, to time.Time) ([]aqwarn.Reading, error)
}

// AQIWriter stores computed AQI records.
type AQIWriter interface {
	WriteAQI(ctx context.Context, recs []aqwarn.AQIRecord) error
}

// Job computes hourly AQI.
type Job struct {
	Readings Readings
	Writers  []AQIWriter
	Stations []aqwarn.Station
	Regions  []aqwarn.Region
	// Edition returns the edition for the hour ending at t (default: by date).
	Edition func(t time.Time) aqi.Edition
	Now     func() time.Time
	Logger  *slog.Logger
	// Recompute is how many recent hours each run recomputes (late data).
	Recompute int
	// OnRun, when set, is called after each completed run, with its
	// snapshot in Current: the warning evaluation is told, it does not
	// poll. It must not block (signal, do not work).
	OnRun func()

	mu      sync.Mutex                 // one run at a time, also when called directly
	settled map[int64][]aqwarn.Reading // hour end (Unix s) → hourly readings of the hours older than the recomputed ones (under mu)

	forgetMu sync.Mutex
	forget   map[int64]bool // hours (end, Unix s) with new readings since the last run: read them again
	current  atomic.Pointer[aqwarn.AQISnapshot]
	runs     atomic.Int64
}

// Current returns the newest snapshot (nil before the first run).
func (j *Job) Current() *aqwarn.AQISnapshot { return j.current.Load() }

// Runs counts completed runs.
func (j *Job) Runs() int64 { return j.runs.Load() }

// Run computes the AQI for the hours ending up to now, truncated to the hour.
func (j *Job) Run(ctx context.Context) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.Now()
	end := now.Truncate(time.Hour)
	recompute := j.Recompute
	if recompute <= 0 {
		recompute = 6
	}
	// The 24-hour window of the oldest recomputed hour reaches back another 24 h.
	from := end.Add(-time.Duration(recompute+24) * time.Hour)
	rs, err := j.readHours(ctx, from, end, end.Add(-time.Duration(recompute)*time.Hour))
	if err != nil {
		return err
	}
	recs, snap := j.compute(rs, from, end, recompute)
	snap.Computed = now
	// A station or region with no data in the recomputed hours keeps its
	// last record: the public sees it marked stale, not blank (audit M6).
	if prev := j.current.Load(); prev != nil {
		carry(snap.Stations, prev.Stations)
		carry(snap.Regions, prev.Regions)
	}
	// The snapshot is what the public reads: it is good even when the
	// stores cannot keep the records (a full disk).
	j.current.Store(snap)
	for _, w := range j.Writers {
		if err := w.WriteAQI(ctx, recs); err != nil {
			return err
		}
	}
	j.runs.Add(1)
	if j.Logger != nil {
		j.Logger.Debug("hourly AQI computed", "hour", end, "records", len(recs))
	}
	if j.OnRun != nil {
		j.OnRun()
	}
	return nil
}

func (j *Job) edition(t time.Time) aqi.Edition {
	if j.Edition != nil {
		return j.Edition(t)
	}
	return aqi.EditionForPeriodEnd(t)
}

// compute builds hourly series for the window (from, end] and evaluates the
// last `recompute` hours of every station and region.
func (j *Job) compute(rs []aqwarn.Reading, from, end time.Time, recompute int) ([]aqwarn.AQIRecord, *aqwarn.AQISnapshot) {
	n := int(end.Sub(from) / time.Hour)
	series := map[string][]aqi.Hour{}
	for _, s := range j.Stations {
		h := make([]aqi.Hour, n)
		for i := range h {
			h[i] = aqi.MissingHour()
		}
		series[s.ID] = h
	}
	for _, r := range rs {
		h, ok := series[r.Station]
		if !ok {
			continue
		}
		i := int(r.Time.Sub(from)/time.Hour) - 1 // index 0 is the hour ending from+1h
		if i < 0 || i >= n || !r.Time.Equal(from.Add(time.Duration(i+1)*time.Hour)) {
			continue
		}
		for _, m := range r.Values {
			if p, ok := aqi.ParsePollutant(m.Pollutant); ok && m.Valid() {
				h[i][p] = m.Value
			}
		}
	}
	snap := &aqwarn.AQISnapshot{Stations: map[string]aqwarn.AQIRecord{}, Regions: map[string]aqwarn.AQIRecord{}}
	var recs []aqwarn.AQIRecord
	emit := func(scope, id string, hours []aqi.Hour, opt aqi.Options, latest map[string]aqwarn.AQIRecord) {
		roll := aqi.NewRolling(opt)
		for i, h := range hours {
			roll.Push(h)
			if i < n-recompute {
				continue
			}
			if !hasData(h) {
				continue
			}
			t := from.Add(time.Duration(i+1) * time.Hour)
			ed := j.edition(t)
			rec := aqwarn.AQIRecord{Scope: scope, ID: id, Time: t, Edition: int(ed), Conc: concOf(h),
				Hourly: valueOf(roll.Hourly(ed)), Rolling24h: valueOf(roll.Daily(ed))}
			recs = append(recs, rec)
			latest[id] = rec
		}
	}
	for _, s := range j.Stations {
		emit(aqwarn.ScopeStation, s.ID, series[s.ID], optionsOf(s), snap.Stations)
	}
	for _, reg := range j.Regions {
		members := j.stationsIn(reg.ID)
		if len(members) == 0 {
			continue
		}
		hours := make([]aqi.Hour, n)
		buf := make([]aqi.Hour, len(members))
		for i := range hours {
			for k, st := range members {
				buf[k] = series[st][i]
			}
			hours[i] = aqi.RegionHour(buf)
		}
		emit(aqwarn.ScopeRegion, reg.ID, hours, aqi.Options{}, snap.Regions)
	}
	return recs, snap
}

// stationsIn returns the stations of a region and of its sub-regions.
func (j *Job) stationsIn(region string) []string { return StationsIn(j.Regions, j.Stations, region) }

// StationsIn returns the ids of the stations of a region and of its
// sub-regions, in registry order: the stations a region's hours are the
// mean of.
func StationsIn(regions []aqwarn.Region, stations []aqwarn.Station, region string) []string {
	parent := map[string]string{}
	for _, r := range regions {
		parent[r.ID] = r.Parent
	}
	var out []string
	for _, s := range stations {
		for r, n := s.Region, 0; r != "" && n <= len(regions); r, n = parent[r], n+1 {
			if r == region {
				out = append(out, s.ID)
				break
			}
		}
	}
	return out
}

func optionsOf(s aqwarn.Station) aqi.Options { return StationOptions(s) }

// StationOptions are the AQI options of a station: the pollutants it does
// not measure (none listed: it measures all six).
func StationOptions(s aqwarn.Station) aqi.Options {
	if len(s.Pollutants) == 0 {
		return aqi.Options{}
	}
	var measured aqi.PollutantSet
	for _, name := range s.Pollutants {
		if p, ok := aqi.ParsePollutant(name); ok {
			measured |= aqi.PollutantsOf(p)
		}
	}
	var all aqi.PollutantSet
	for p := range aqi.NumPollutants {
		all |= aqi.PollutantsOf(p)
	}
	return aqi.Options{NotMeasured: all &^ measured}
}

func hasData(h aqi.Hour) bool {
	for _, v := range h {
		if !math.IsNaN(v) {
			return true
		}
	}
	return false
}

// concOf gives the concentrations a record shows: µg/m³ to 0.1, CO (mg/m³)
// to 0.01 — finer than the national platform publishes, and free of float
// noise such as 3.8499999999999996 from averaging stations. The AQI is
// computed from the unrounded means.
func concOf(h aqi.Hour) map[string]float64 {
	m := map[string]float64{}
	for p := range aqi.NumPollutants {
		if math.IsNaN(h[p]) {
			continue
		}
		scale := 10.0
		if p == aqi.CO {
			scale = 100
		}
		m[p.String()] = math.Round(h[p]*scale) / scale
	}
	return m
}

// valueOf converts a result to the API/storage form, under the
// publication rule (aqi.Result.Published).
func valueOf(r aqi.Result) aqwarn.AQIValue {
	r, incomplete := r.Published()
	c := r.Category()
	v := aqwarn.AQIValue{Level: r.Level, CategoryZH: c.ZH, CategoryEN: c.EN, Color: c.Color,
		Primary: r.Primary.Names(), IAQI: map[string]int{}, Flags: r.Flags.Names(),
		AdviceZH: c.AdviceZH, AdviceEN: c.AdviceEN}
	if v.Primary == nil {
		v.Primary = []string{}
	}
	if !r.NA {
		a := r.AQI
		v.AQI = &a
	}
	if r.BeyondIndex {
		v.Flags = append(v.Flags, aqi.WordBeyondIndex)
	}
	if incomplete {
		v.Flags = append(v.Flags, aqi.WordIncomplete)
	}
	for t := range aqi.NumTerms {
		if r.IAQI[t] >= 0 {
			v.IAQI[t.String()] = r.IAQI[t]
		}
	}
	return v
}

// carry copies into next the records of prev it lacks.
func carry(next, prev map[string]aqwarn.AQIRecord) {
	for id, rec := range prev {
		if _, ok := next[id]; !ok {
			next[id] = rec
		}
	}
}

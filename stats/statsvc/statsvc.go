// Package statsvc is the service's air-quality statistics: the natural
// days (stats.Day) of every station and region computed from the hourly
// readings in the store, as the hourly AQI job reads them (the stations'
// own hourly readings, else the means of their sub-hourly data:
// aqijob.HourlyReadings). A region's day comes from the region's hours,
// each the per-pollutant mean of its stations' valid values (stats.
// RegionHourly, aqi.RegionHour), never from station AQIs.
//
// Finished days are kept in memory: a day is computed once its last hour
// (24:00) has passed and kept until readings for one of its hours are
// stored again (Forget, which ingest calls for every batch that reaches
// the primary store: late data, a logger resending, the spool replayed
// after an outage). Readings written by another process (a second
// instance sharing the broker's subscription, a bulk import straight into
// InfluxDB) are not seen by Forget, so a day that ended less than Recent
// ago is read again when its copy is older than RecentTTL. Only the days of
// the last KeepYears calendar years are kept; older ones are computed on
// each request.
//
// Time is an argument: every call takes the service's "now".
package statsvc

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/aqijob"
	"github.com/aqwarn/aqwarn/stats"
)

// Defaults of the cache.
const (
	DefaultRecent    = 48 * time.Hour
	DefaultRecentTTL = 10 * time.Minute
	DefaultKeepYears = 3
	// chunkDays is how many days one read of the store covers: a week of
	// minute data of a dozen stations stays a few tens of MB.
	chunkDays = 7
)

// Service computes and keeps the days. Set the fields, then use it; it is
// safe for concurrent use.
type Service struct {
	Readings aqijob.Readings
	Stations []aqwarn.Station
	Regions  []aqwarn.Region
	// Edition forces one edition of HJ 633 (aqi.edition); 0: the one in
	// force at each day's end.
	Edition aqi.Edition
	Logger  *slog.Logger // optional

	// Recent, RecentTTL and KeepYears tune the cache (see the package
	// doc); zero takes the defaults.
	Recent, RecentTTL time.Duration
	KeepYears         int

	mu    sync.Mutex
	cache map[int64]*dayEntry // midnight (Unix s) → every scope's day
	dirty map[int64]bool      // days with readings stored since they were computed (under dirtyMu)

	dirtyMu sync.Mutex
	reads   int // store reads (chunks), for tests
}

// dayEntry is one natural day of every scope, computed at computed (the
// service's clock).
type dayEntry struct {
	days     map[stats.Scope]stats.Day
	computed time.Time
}

// Scopes lists every scope the service computes: the stations, then the
// regions, in configuration order.
func (s *Service) Scopes() []stats.Scope {
	out := make([]stats.Scope, 0, len(s.Stations)+len(s.Regions))
	for _, st := range s.Stations {
		out = append(out, stats.Scope{Kind: aqwarn.ScopeStation, ID: st.ID})
	}
	for _, r := range s.Regions {
		out = append(out, stats.Scope{Kind: aqwarn.ScopeRegion, ID: r.ID})
	}
	return out
}

// Known reports whether the scope is a configured station or a region.
func (s *Service) Known(sc stats.Scope) bool { return slices.Contains(s.Scopes(), sc) }

// Forget tells the service that readings were stored: the days their hours
// belong to are computed again when next asked for.
func (s *Service) Forget(rs []aqwarn.Reading) {
	s.dirtyMu.Lock()
	defer s.dirtyMu.Unlock()
	if s.dirty == nil {
		s.dirty = map[int64]bool{}
	}
	for _, r := range rs {
		s.dirty[stats.DayOf(hourEnd(r.Time)).Unix()] = true
	}
}

// hourEnd is the end of the hour t falls in (a reading ending 12:01
// belongs to the hour ending 13:00).
func hourEnd(t time.Time) time.Time {
	h := t.Truncate(time.Hour)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h
}

// Complete is the first day of p that is not over at now: the days of p
// before it are complete (their last hour, labelled the next midnight, has
// passed).
func Complete(p stats.Period, now time.Time) time.Time {
	n := now.In(aqi.CST)
	cut := stats.Date(n.Year(), n.Month(), n.Day()) // the midnight at or before now
	switch {
	case cut.Before(p.From):
		return p.From
	case cut.After(p.To):
		return p.To
	}
	return cut
}

// Days returns the complete days of p for the scope, in date order: the
// days whose last hour has passed at now; later days of p are left out.
// An unknown scope is a not-found error.
func (s *Service) Days(ctx context.Context, sc stats.Scope, p stats.Period, now time.Time) ([]stats.Day, error) {
	if !s.Known(sc) {
		return nil, &aqwarn.Error{Code: aqwarn.ENOTFOUND, Op: "statsvc.Days",
			Message: fmt.Sprintf("no %s %q / 没有该%s", sc.Kind, sc.ID, map[string]string{aqwarn.ScopeStation: "监测站", aqwarn.ScopeRegion: "区域"}[sc.Kind])}
	}
	to := Complete(p, now)
	if !p.From.Before(to) {
		return []stats.Day{}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropDirty()
	keepFrom := stats.Date(now.In(aqi.CST).Year()-s.keepYears()+1, time.January, 1)
	out := make([]stats.Day, 0, int(to.Sub(p.From)/(24*time.Hour)))
	var missing []time.Time
	for d := p.From; d.Before(to); d = d.AddDate(0, 0, 1) {
		if !s.fresh(d, now) {
			missing = append(missing, d)
		}
	}
	fresh := map[int64]*dayEntry{} // computed now, also those not kept
	for _, run := range runs(missing) {
		for from := run[0]; from.Before(run[1]); {
			end := from.AddDate(0, 0, chunkDays)
			if end.After(run[1]) {
				end = run[1]
			}
			es, err := s.compute(ctx, from, end, now)
			if err != nil {
				return nil, err
			}
			for k, e := range es {
				fresh[k] = e
				if !time.Unix(k, 0).Before(keepFrom) {
					if s.cache == nil {
						s.cache = map[int64]*dayEntry{}
					}
					s.cache[k] = e
				}
			}
			from = end
		}
	}
	for k := range s.cache { // the years no longer kept
		if time.Unix(k, 0).Before(keepFrom) {
			delete(s.cache, k)
		}
	}
	for d := p.From; d.Before(to); d = d.AddDate(0, 0, 1) {
		e := fresh[d.Unix()]
		if e == nil {
			e = s.cache[d.Unix()]
		}
		out = append(out, e.days[sc])
	}
	return out, nil
}

// Reads counts the store reads the service made (one per chunk of days).
func (s *Service) Reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

func (s *Service) keepYears() int {
	if s.KeepYears > 0 {
		return s.KeepYears
	}
	return DefaultKeepYears
}

// dropDirty removes the days with new readings from the cache (under mu).
func (s *Service) dropDirty() {
	s.dirtyMu.Lock()
	dirty := s.dirty
	s.dirty = nil
	s.dirtyMu.Unlock()
	for k := range dirty {
		delete(s.cache, k)
	}
}

// fresh reports whether the cache holds day d and may serve it at now
// (under mu).
func (s *Service) fresh(d, now time.Time) bool {
	e := s.cache[d.Unix()]
	if e == nil {
		return false
	}
	recent, ttl := s.Recent, s.RecentTTL
	if recent <= 0 {
		recent = DefaultRecent
	}
	if ttl <= 0 {
		ttl = DefaultRecentTTL
	}
	end := d.AddDate(0, 0, 1)
	return now.Sub(end) >= recent || now.Sub(e.computed) < ttl
}

// runs groups consecutive days into [first, after last) runs.
func runs(days []time.Time) [][2]time.Time {
	var out [][2]time.Time
	for _, d := range days {
		next := d.AddDate(0, 0, 1)
		if n := len(out); n > 0 && out[n-1][1].Equal(d) {
			out[n-1][1] = next
			continue
		}
		out = append(out, [2]time.Time{d, next})
	}
	return out
}

// compute reads the hours of the days [from, to) and computes each day of
// every scope (under mu).
func (s *Service) compute(ctx context.Context, from, to, now time.Time) (map[int64]*dayEntry, error) {
	rs, err := aqijob.HourlyReadings(ctx, s.Readings, from, to) // hour ends in (from, to]: the days' labels
	if err != nil {
		return nil, err
	}
	s.reads++
	n := int(to.Sub(from) / time.Hour)
	start := from.Add(time.Hour)
	series := make(map[string]stats.Hourly, len(s.Stations))
	for _, st := range s.Stations {
		h := make([]aqi.Hour, n)
		for i := range h {
			h[i] = aqi.MissingHour()
		}
		series[st.ID] = stats.Hourly{Start: start, Hours: h}
	}
	for _, r := range rs {
		h, ok := series[r.Station]
		if !ok {
			continue
		}
		d := r.Time.Sub(start)
		if d < 0 || d%time.Hour != 0 || int(d/time.Hour) >= n {
			continue
		}
		i := int(d / time.Hour)
		for _, m := range r.Values {
			if p, ok := aqi.ParsePollutant(m.Pollutant); ok && m.Valid() && !math.IsNaN(m.Value) && !math.IsInf(m.Value, 0) {
				h.Hours[i][p] = m.Value
			}
		}
	}
	p := stats.Period{From: from, To: to}
	out := map[int64]*dayEntry{}
	put := func(sc stats.Scope, days []stats.Day) {
		for _, d := range days {
			e := out[d.Date.Unix()]
			if e == nil {
				e = &dayEntry{days: map[stats.Scope]stats.Day{}, computed: now}
				out[d.Date.Unix()] = e
			}
			e.days[sc] = d
		}
	}
	for _, st := range s.Stations {
		put(stats.Scope{Kind: aqwarn.ScopeStation, ID: st.ID},
			stats.Days(series[st.ID], p, stats.Options{Edition: s.Edition, AQI: aqijob.StationOptions(st)}))
	}
	for _, r := range s.Regions {
		var members []stats.Hourly
		for _, id := range aqijob.StationsIn(s.Regions, s.Stations, r.ID) {
			members = append(members, series[id])
		}
		put(stats.Scope{Kind: aqwarn.ScopeRegion, ID: r.ID},
			stats.Days(stats.RegionHourly(members), p, stats.Options{Edition: s.Edition}))
	}
	if s.Logger != nil {
		s.Logger.Debug("statistics: days computed", "from", from, "to", to, "readings", len(rs))
	}
	return out, nil
}

package dataset

import (
	"fmt"
	"slices"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// Overlap says what Join does where two pieces of one station hold the
// same hour.
type Overlap int

const (
	// RefuseOverlap makes an overlap an error: the files contradict each
	// other and a figure computed from them would depend on their order
	// (aqwarn aqi, aqwarn stats).
	RefuseOverlap Overlap = iota
	// LaterWins keeps the hours of the piece given later (a replay over a
	// corrected file given after the original).
	LaterWins
)

// Join joins the pieces of each station (several files may hold one
// station for different periods) into one series: gaps are missing hours,
// stations keep the order of their first piece.
func Join(pieces []Series, overlap Overlap) ([]Series, error) {
	var order []string
	by := map[string][]Series{}
	for _, s := range pieces {
		if _, ok := by[s.Station]; !ok {
			order = append(order, s.Station)
		}
		by[s.Station] = append(by[s.Station], s)
	}
	out := make([]Series, 0, len(order))
	for _, name := range order {
		ps := by[name]
		if overlap == RefuseOverlap {
			slices.SortStableFunc(ps, func(a, b Series) int { return a.Start.Compare(b.Start) })
			for i := 1; i < len(ps); i++ {
				if prev := ps[i-1]; len(prev.Hours) > 0 && !ps[i].Start.After(prev.End()) {
					return nil, fmt.Errorf("station %s: overlapping data at %s", name, ps[i].Start.Format(time.RFC3339))
				}
			}
		}
		start, end, ok := Span(ps)
		if !ok {
			out = append(out, Series{Station: name, Start: ps[0].Start})
			continue
		}
		j := Series{Station: name, Start: start, Hours: make([]aqi.Hour, int(end.Sub(start)/time.Hour)+1)}
		for i := range j.Hours {
			j.Hours[i] = aqi.MissingHour()
		}
		for _, p := range ps { // in order: a later piece's hours replace an earlier's
			if len(p.Hours) > 0 {
				copy(j.Hours[int(p.Start.Sub(start)/time.Hour):], p.Hours)
			}
		}
		out = append(out, j)
	}
	return out, nil
}

// Span is the first and the last hour label of the series taken together;
// ok is false when none has an hour.
func Span(series []Series) (start, end time.Time, ok bool) {
	for _, s := range series {
		if len(s.Hours) == 0 {
			continue
		}
		if !ok || s.Start.Before(start) {
			start = s.Start
		}
		if !ok || s.End().After(end) {
			end = s.End()
		}
		ok = true
	}
	return start, end, ok
}

// Region is the stations' series as one (named name): each hour the
// per-pollutant mean of the stations that have it (aqi.RegionHour), over
// the union of their periods; a station without data at an hour does not
// count. The stations must share the hour grid (whole hours apart).
func Region(name string, stations []Series) Series {
	start, end, ok := Span(stations)
	if !ok {
		return Series{Station: name}
	}
	reg := Series{Station: name, Start: start, Hours: make([]aqi.Hour, int(end.Sub(start)/time.Hour)+1)}
	row := make([]aqi.Hour, 0, len(stations))
	for i := range reg.Hours {
		label := reg.Label(i)
		row = row[:0]
		for k := range stations {
			if j, ok := stations[k].Index(label); ok {
				row = append(row, stations[k].Hours[j])
			}
		}
		reg.Hours[i] = aqi.RegionHour(row)
	}
	return reg
}

package dataset_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
)

func TestJoin(t *testing.T) {
	t0 := time.Date(2020, 1, 1, 1, 0, 0, 0, aqi.CST)
	piece := func(name string, at int, vs ...float64) dataset.Series {
		s := dataset.Series{Station: name, Start: t0.Add(time.Duration(at) * time.Hour)}
		for _, v := range vs {
			h := aqi.MissingHour()
			h[aqi.PM25] = v
			s.Hours = append(s.Hours, h)
		}
		return s
	}
	show := func(ss []dataset.Series) string {
		var b strings.Builder
		for _, s := range ss {
			fmt.Fprintf(&b, "%s@%d:", s.Station, int(s.Start.Sub(t0)/time.Hour))
			for _, h := range s.Hours {
				if math.IsNaN(h[aqi.PM25]) {
					b.WriteString(" -")
				} else {
					fmt.Fprintf(&b, " %g", h[aqi.PM25])
				}
			}
			b.WriteString("; ")
		}
		return b.String()
	}
	for _, tc := range []struct {
		name    string
		pieces  []dataset.Series
		overlap dataset.Overlap
		want    string // show of the result, or the error's text
	}{
		// Pieces of one station join in time order whatever the file order; the gap is missing.
		{"gap", []dataset.Series{piece("a", 3, 7), piece("a", 0, 5)}, dataset.RefuseOverlap, "a@0: 5 - - 7; "},
		// Stations keep the order of their first piece.
		{"order", []dataset.Series{piece("b", 0, 1), piece("a", 0, 2), piece("b", 1, 3)}, dataset.RefuseOverlap, "b@0: 1 3; a@0: 2; "},
		// An overlap is refused when asked, naming the station and the hour.
		{"refused", []dataset.Series{piece("a", 0, 1, 2, 3), piece("a", 2, 30)}, dataset.RefuseOverlap, "station a: overlapping data at 2020-01-01T03:00:00+08:00"},
		// A piece inside a longer one is an overlap too.
		{"inside", []dataset.Series{piece("a", 0, 1, 2, 3, 4), piece("a", 5, 6), piece("a", 1, 9)}, dataset.RefuseOverlap, "station a: overlapping data at 2020-01-01T02:00:00+08:00"},
		// With LaterWins the piece given later replaces the earlier's hours.
		{"later wins", []dataset.Series{piece("a", 0, 1, 2, 3), piece("a", 2, 30, 40)}, dataset.LaterWins, "a@0: 1 2 30 40; "},
		// … also when it starts earlier.
		{"later earlier", []dataset.Series{piece("a", 1, 2, 3), piece("a", 0, 10, 20)}, dataset.LaterWins, "a@0: 10 20 3; "},
	} {
		got, err := dataset.Join(tc.pieces, tc.overlap)
		s := show(got)
		if err != nil {
			s = err.Error()
		}
		if s != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, s, tc.want)
		}
	}
}

func TestRegion(t *testing.T) {
	t0 := time.Date(2020, 1, 1, 1, 0, 0, 0, aqi.CST)
	mk := func(name string, start time.Time, vs ...float64) dataset.Series {
		s := dataset.Series{Station: name, Start: start}
		for _, v := range vs {
			h := aqi.MissingHour()
			h[aqi.PM25] = v
			s.Hours = append(s.Hours, h)
		}
		return s
	}
	// Over the union of the periods; a station without the hour does not count.
	reg := dataset.Region("r", []dataset.Series{mk("a", t0, 10, 20), mk("b", t0.Add(time.Hour), 40, 50)})
	var got []float64
	for _, h := range reg.Hours {
		got = append(got, h[aqi.PM25])
	}
	if reg.Station != "r" || !reg.Start.Equal(t0) || fmt.Sprint(got) != "[10 30 50]" {
		t.Errorf("region %s from %v: %v", reg.Station, reg.Start, got)
	}
	// No hours at all: an empty series.
	if e := dataset.Region("r", []dataset.Series{{Station: "a", Start: t0}}); len(e.Hours) != 0 {
		t.Errorf("region of nothing: %d hours", len(e.Hours))
	}
}

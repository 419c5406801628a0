package simulate

import (
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
)

// BundledReadings loads the bundled data (Data) of the stations, each
// mapped by sources (station id → bundled source station, e.g. Dongsi) to
// the source station it replays, with hour ends in (from, to].
func BundledReadings(stations []aqwarn.Station, sources map[string]string, from, to time.Time) ([]aqwarn.Reading, error) {
	files, err := fs.Glob(Data, "data/*.csv.gz")
	if err != nil {
		return nil, err
	}
	open := func(name string) (io.ReadCloser, error) { return Data.Open(name) }
	return mappedReadings(files, open, "demo data ", stations, sources, from, to)
}

// FileReadings is BundledReadings from Beijing-layout CSV files (gzip accepted).
func FileReadings(paths []string, stations []aqwarn.Station, sources map[string]string, from, to time.Time) ([]aqwarn.Reading, error) {
	open := func(path string) (io.ReadCloser, error) { return os.Open(path) }
	return mappedReadings(paths, open, "", stations, sources, from, to)
}

// mappedReadings reads the CSV files names (each opened by open) and maps
// their readings (MapReadings); a file that does not read is named in the
// error after what.
func mappedReadings(names []string, open func(string) (io.ReadCloser, error), what string,
	stations []aqwarn.Station, sources map[string]string, from, to time.Time) ([]aqwarn.Reading, error) {
	var out []aqwarn.Reading
	for _, name := range names {
		f, err := open(name)
		if err != nil {
			return nil, err
		}
		rows, err := ReadCSV(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s%s: %w", what, name, err)
		}
		out = append(out, MapReadings(rows, stations, sources, from, to)...)
	}
	return out, nil
}

// MapReadings renames source stations' readings to the stations replaying
// them (sources: station id → source station), keeping hour ends in
// (from, to]. A source replayed by two stations gives each its copy.
func MapReadings(rows []aqwarn.Reading, stations []aqwarn.Station, sources map[string]string, from, to time.Time) []aqwarn.Reading {
	byName := map[string][]string{}
	for _, s := range stations {
		if src, ok := sources[s.ID]; ok {
			byName[src] = append(byName[src], s.ID)
		}
	}
	var out []aqwarn.Reading
	for _, r := range rows {
		if !r.Time.After(from) || r.Time.After(to) {
			continue
		}
		for _, id := range byName[r.Station] {
			rd := r
			rd.Station = id
			out = append(out, rd)
		}
	}
	return out
}

// ReadCSV converts Beijing-layout CSV (package dataset; gzip accepted)
// into the hourly readings a station would send: missing and negative
// values are left out, and so are hours without any value.
func ReadCSV(r io.Reader) ([]aqwarn.Reading, error) {
	series, err := dataset.Read(r)
	if err != nil {
		return nil, err
	}
	var out []aqwarn.Reading
	for _, s := range series {
		for i, h := range s.Hours {
			rd := aqwarn.Reading{Station: s.Station, Time: s.Label(i).UTC(), Interval: time.Hour}
			for p := range aqi.NumPollutants {
				if v := h[p]; !math.IsNaN(v) && v >= 0 {
					rd.Values = append(rd.Values, aqwarn.Measure{Pollutant: p.String(), Value: v})
				}
			}
			if len(rd.Values) > 0 {
				out = append(out, rd)
			}
		}
	}
	return out, nil
}

// StationsIn returns the ids of the stations in the region or in its
// sub-regions (as the AQI job counts them).
func StationsIn(regions []aqwarn.Region, stations []aqwarn.Station, region string) map[string]bool {
	parent := map[string]string{}
	for _, r := range regions {
		parent[r.ID] = r.Parent
	}
	out := map[string]bool{}
	for _, s := range stations {
		for r, n := s.Region, 0; r != "" && n <= len(regions); r, n = parent[r], n+1 {
			if r == region {
				out[s.ID] = true
				break
			}
		}
	}
	return out
}

// RegionTruth is the region's hourly series as the AQI job computes it
// from the readings of its stations: each hour the mean over the stations
// of every pollutant (aqi.RegionHour, stations in id order), hours without
// any data left out. It is what the demo's forecaster forecasts from.
func RegionTruth(readings []aqwarn.Reading, stations map[string]bool) []alert.SeriesHour {
	type key struct {
		t       int64
		station string
	}
	hours := map[key]*aqi.Hour{}
	var keys []key
	for _, r := range readings {
		if !stations[r.Station] {
			continue
		}
		k := key{r.Time.Unix(), r.Station}
		h := hours[k]
		if h == nil {
			m := aqi.MissingHour()
			h = &m
			hours[k] = h
			keys = append(keys, k)
		}
		for _, m := range r.Values {
			if p, ok := aqi.ParsePollutant(m.Pollutant); ok && m.Valid() {
				h[p] = m.Value
			}
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		return strings.Compare(a.station, b.station)
	})
	var out []alert.SeriesHour
	var buf []aqi.Hour
	for i := 0; i < len(keys); {
		j := i
		buf = buf[:0]
		for ; j < len(keys) && keys[j].t == keys[i].t; j++ {
			buf = append(buf, *hours[keys[j]])
		}
		h := aqi.RegionHour(buf)
		if slices.ContainsFunc(h[:], func(v float64) bool { return !math.IsNaN(v) }) {
			out = append(out, alert.SeriesHour{Time: time.Unix(keys[i].t, 0).UTC(), Values: h})
		}
		i = j
	}
	return out
}

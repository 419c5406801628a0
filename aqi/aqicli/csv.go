package aqicli

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
)

// CSV evaluates station files in the Beijing layout (package dataset) hour
// by hour and writes CSV: the hourly AQI and the 24-hour AQI of the window
// ending at each hour, for every station and, with two or more stations,
// for the region (per-pollutant station means). Pieces of one station in
// several files are joined, gaps filled with missing hours.
func CSV(ctx context.Context, cfg Config, files []string, stdout io.Writer) error {
	var all []dataset.Series
	for _, f := range files {
		ss, err := dataset.ReadFile(f)
		if err != nil {
			return fmt.Errorf("aqi: %w", err)
		}
		all = append(all, ss...)
	}
	stations, err := mergeStations(all)
	if err != nil {
		return err
	}
	if len(stations) > 1 {
		stations = append(stations, regionSeries(stations))
	}

	bw := bufio.NewWriterSize(stdout, 256<<10)
	w := csv.NewWriter(bw)
	w.Write([]string{"station", "time", "edition", "hourly_aqi", "hourly_level", "hourly_primary", "daily_aqi", "daily_level", "daily_primary"})
	rec := make([]string, 9)
	for _, s := range stations {
		roll := aqi.NewRolling(aqi.Options{Method: cfg.Method})
		for i, h := range s.Hours {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			label := s.Label(i)
			ed := cfg.EditionFor(label)
			roll.Push(h)
			hr := roll.Hourly(ed)
			rec[0], rec[1], rec[2] = s.Station, label.In(aqi.CST).Format(time.RFC3339), strconv.Itoa(int(ed))
			rec[3], rec[4], rec[5] = csvAQI(hr)
			if i >= 23 {
				rec[6], rec[7], rec[8] = csvAQI(roll.Daily(ed))
			} else {
				rec[6], rec[7], rec[8] = "", "", ""
			}
			w.Write(rec)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("aqi: write: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("aqi: write: %w", err)
	}
	return nil
}

func csvAQI(r aqi.Result) (value, level, primary string) {
	if r.NA {
		return "NA", "", ""
	}
	return strconv.Itoa(r.AQI), strconv.Itoa(r.Level), strings.Join(r.Primary.Names(), ";")
}

// mergeStations joins the pieces of each station (several files may hold the
// same station for different periods), filling gaps with missing hours.
// Stations keep the order of first appearance.
func mergeStations(all []dataset.Series) ([]dataset.Series, error) {
	var order []string
	pieces := map[string][]dataset.Series{}
	for _, s := range all {
		if _, ok := pieces[s.Station]; !ok {
			order = append(order, s.Station)
		}
		pieces[s.Station] = append(pieces[s.Station], s)
	}
	out := make([]dataset.Series, 0, len(order))
	for _, name := range order {
		ps := pieces[name]
		slices.SortFunc(ps, func(a, b dataset.Series) int { return a.Start.Compare(b.Start) })
		merged := dataset.Series{Station: name, Start: ps[0].Start, Hours: slices.Clone(ps[0].Hours)}
		for _, p := range ps[1:] {
			next := merged.Label(len(merged.Hours))
			if p.Start.Before(next) {
				return nil, fmt.Errorf("aqi: station %s: overlapping data at %s", name, p.Start.Format(time.RFC3339))
			}
			for gap := p.Start.Sub(next) / time.Hour; gap > 0; gap-- {
				merged.Hours = append(merged.Hours, aqi.MissingHour())
			}
			merged.Hours = append(merged.Hours, p.Hours...)
		}
		out = append(out, merged)
	}
	return out, nil
}

// regionSeries averages the stations per pollutant over the union of their
// periods; a station without data at an hour does not count.
func regionSeries(stations []dataset.Series) dataset.Series {
	start, end := stations[0].Start, stations[0].End()
	for _, s := range stations[1:] {
		if s.Start.Before(start) {
			start = s.Start
		}
		if s.End().After(end) {
			end = s.End()
		}
	}
	n := int(end.Sub(start)/time.Hour) + 1
	reg := dataset.Series{Station: "region", Start: start, Hours: make([]aqi.Hour, n)}
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

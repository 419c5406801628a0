package aqicli

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
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
	stations, err := dataset.Join(all, dataset.RefuseOverlap)
	if err != nil {
		return fmt.Errorf("aqi: %w", err)
	}
	if len(stations) > 1 {
		stations = append(stations, dataset.Region("region", stations))
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

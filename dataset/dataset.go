// Package dataset reads hourly station data in the layout of the Beijing
// Multi-Site Air-Quality Data (UCI #501, CC BY 4.0):
//
//	No,year,month,day,hour,PM2.5,PM10,SO2,NO2,CO,O3,TEMP,PRES,DEWP,RAIN,wd,WSPM,station
//
// Columns are found by name, so their order does not matter and the weather
// columns are ignored. Files may be gzipped (detected by content, not name).
//
// Interpretations:
//   - The hour column (0–23, local time UTC+8) is taken as the label of the
//     hour's end, the Chinese convention for published hourly data: the row
//     dated 2013-03-01 hour 0 holds the hour 2013-02-28 23:00–24:00 and is
//     labelled 2013-03-01 00:00 +08:00. A natural day D is therefore the rows
//     D hour 1 … 23 and D+1 hour 0. The hour 24 is accepted as 00:00 of the
//     next day.
//   - All pollutants are in µg/m³ in the file; CO is divided by 1000 to give
//     the mg/m³ that package aqi expects.
//   - "NA" and empty cells are missing (NaN). Suspicious values (PM 999,
//     CO 10000, PM10 < PM2.5) are kept as a station feed would deliver them;
//     package aqi treats negative values as missing.
//   - Rows of one station must be in increasing time order; gaps are filled
//     with missing hours so that a Series is strictly consecutive.
package dataset

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// Series is one station's consecutive hours.
type Series struct {
	Station string
	// Start is the label (end instant, in aqi.CST) of Hours[0].
	Start time.Time
	Hours []aqi.Hour
}

// Label returns the label (end instant) of hour i.
func (s *Series) Label(i int) time.Time { return s.Start.Add(time.Duration(i) * time.Hour) }

// End returns the label of the last hour (Start when empty).
func (s *Series) End() time.Time { return s.Label(max(len(s.Hours)-1, 0)) }

// Index returns the position of the hour labelled t, and false when t is
// not an hour label of the series.
func (s *Series) Index(t time.Time) (int, bool) {
	d := t.Sub(s.Start)
	if d < 0 || d%time.Hour != 0 {
		return 0, false
	}
	i := int(d / time.Hour)
	return i, i < len(s.Hours)
}

// maxGap bounds the hours filled between two rows, so that a mistyped year
// cannot allocate gigabytes.
const maxGap = 5 * 366 * 24

var pollutantColumns = [aqi.NumPollutants]string{
	aqi.SO2: "SO2", aqi.NO2: "NO2", aqi.PM10: "PM10", aqi.CO: "CO", aqi.O3: "O3", aqi.PM25: "PM2.5",
}

// ReadFile reads a CSV file, gzipped or not.
func ReadFile(path string) ([]Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	s, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Read reads CSV data, gzipped or not, and returns one Series per station in
// order of first appearance.
func Read(r io.Reader) ([]Series, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("dataset: gzip: %w", err)
		}
		defer zr.Close()
		in = zr
	}
	cr := csv.NewReader(in)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("dataset: empty input")
		}
		return nil, fmt.Errorf("dataset: header: %w", err)
	}
	col, err := columnsOf(header)
	if err != nil {
		return nil, err
	}

	var out []Series
	byStation := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("dataset: %w", err) // a csv.ParseError names its line
		}
		line, _ := cr.FieldPos(0)
		label, h, err := parseRow(rec, &col)
		if err != nil {
			return nil, fmt.Errorf("dataset: line %d: %w", line, err)
		}
		station := rec[col.station]
		i, ok := byStation[station]
		if !ok {
			i = len(out)
			byStation[strings.Clone(station)] = i
			out = append(out, Series{Station: strings.Clone(station), Start: label, Hours: make([]aqi.Hour, 0, 1024)})
		}
		s := &out[i]
		next := s.Label(len(s.Hours))
		switch {
		case label.Before(next):
			return nil, fmt.Errorf("dataset: line %d: %s hour %s is not after %s", line, station,
				label.Format(time.RFC3339), s.End().Format(time.RFC3339))
		case label.Sub(next) > maxGap*time.Hour:
			return nil, fmt.Errorf("dataset: line %d: %s jumps from %s to %s", line, station,
				s.End().Format(time.RFC3339), label.Format(time.RFC3339))
		}
		for gap := label.Sub(next) / time.Hour; gap > 0; gap-- {
			s.Hours = append(s.Hours, aqi.MissingHour())
		}
		s.Hours = append(s.Hours, h)
	}
	return out, nil
}

type columnIndex struct {
	year, month, day, hour, station int
	pollutant                       [aqi.NumPollutants]int
}

func columnsOf(header []string) (columnIndex, error) {
	pos := map[string]int{}
	for i, h := range header {
		pos[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	var c columnIndex
	var missing []string
	find := func(name string) int {
		i, ok := pos[name]
		if !ok {
			missing = append(missing, name)
		}
		return i
	}
	c.year, c.month, c.day, c.hour = find("year"), find("month"), find("day"), find("hour")
	c.station = find("station")
	for p, name := range pollutantColumns {
		c.pollutant[p] = find(name)
	}
	if missing != nil {
		return c, fmt.Errorf("dataset: header lacks column(s) %s", strings.Join(missing, ", "))
	}
	return c, nil
}

func parseRow(rec []string, c *columnIndex) (time.Time, aqi.Hour, error) {
	var h aqi.Hour
	var ymdh [4]int
	for k, i := range [4]int{c.year, c.month, c.day, c.hour} {
		v, err := strconv.Atoi(rec[i])
		if err != nil {
			return time.Time{}, h, fmt.Errorf("bad date field %q", rec[i])
		}
		ymdh[k] = v
	}
	y, m, d, hr := ymdh[0], ymdh[1], ymdh[2], ymdh[3]
	day := time.Date(y, time.Month(m), d, 0, 0, 0, 0, aqi.CST)
	if day.Year() != y || int(day.Month()) != m || day.Day() != d || hr < 0 || hr > 24 {
		return time.Time{}, h, fmt.Errorf("no such hour %d-%d-%d %d", y, m, d, hr)
	}
	label := day.Add(time.Duration(hr) * time.Hour)
	for p, i := range c.pollutant {
		s := rec[i]
		if s == "NA" || s == "" {
			h[p] = math.NaN()
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, h, fmt.Errorf("bad %s value %q", pollutantColumns[p], s)
		}
		if aqi.Pollutant(p) == aqi.CO {
			v /= 1000 // µg/m³ in the file, mg/m³ in package aqi
		}
		h[p] = v
	}
	return label, h, nil
}

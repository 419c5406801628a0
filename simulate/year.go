package simulate

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
)

// yearTable is the daily values of 2015 of the four Beijing stations the
// demo replays (year/SOURCE.md): station,date,so2,no2,pm10,co,o3_8h,pm25.
//
//go:embed year/beijing-2015-daily.csv.gz
var yearTable []byte

// YearScale takes Beijing's 2015 levels to those of a county of southern
// Hunan (PM2.5 annual means about 25–35 µg/m³, good-day ratios about
// 93–97 %): each pollutant's daily values are multiplied by its factor.
// The result is simulated, not measured: the shape of Beijing's year at
// another county's level.
var YearScale = [aqi.NumPollutants]float64{
	aqi.SO2: 0.6, aqi.NO2: 0.5, aqi.PM10: 0.40, aqi.CO: 0.6, aqi.O3: 0.55, aqi.PM25: 0.34,
}

// yearProfiles are the hour-of-day shapes (index 0: the hour ending 01:00)
// the daily values are spread over: particles, CO and NO2 higher at night
// and in the morning rush, SO2 at midday, O3 in the afternoon. Each but
// O3's averages 1 over the day; O3's best 8-hour window averages 1, so the
// hours give back the day's 24-hour means and daily maximum 8-hour O3.
var yearProfiles = func() [aqi.NumPollutants][24]float64 {
	var out [aqi.NumPollutants][24]float64
	norm := func(f func(h float64) float64) [24]float64 {
		var p [24]float64
		sum := 0.0
		for i := range p {
			p[i] = f(float64(i + 1))
			sum += p[i]
		}
		for i := range p {
			p[i] *= 24 / sum
		}
		return p
	}
	night := func(h float64) float64 { return 1 + 0.25*math.Cos(2*math.Pi*(h-2)/24) + 0.1*math.Exp(-(h-9)*(h-9)/4) }
	out[aqi.PM25], out[aqi.PM10], out[aqi.CO] = norm(night), norm(night), norm(night)
	out[aqi.NO2] = norm(func(h float64) float64 { return night(h) + 0.15*math.Exp(-(h-20)*(h-20)/6) })
	out[aqi.SO2] = norm(func(h float64) float64 { return 1 + 0.2*math.Cos(2*math.Pi*(h-12)/24) })
	o3 := norm(func(h float64) float64 { return 0.25 + math.Max(0, math.Sin(math.Pi*(h-7)/11)) })
	best := 0.0
	for end := 8; end <= 24; end++ {
		s := 0.0
		for i := end - 8; i < end; i++ {
			s += o3[i]
		}
		best = math.Max(best, s/8)
	}
	for i := range o3 {
		o3[i] /= best
	}
	out[aqi.O3] = o3
	return out
}()

// dayValues are one station's values of one natural day (NaN: no valid
// daily value); O3 holds the daily maximum 8-hour mean.
type dayValues struct {
	date time.Time
	v    [aqi.NumPollutants]float64
}

// yearColumns are the table's value columns in file order.
var yearColumns = []aqi.Pollutant{aqi.SO2, aqi.NO2, aqi.PM10, aqi.CO, aqi.O3, aqi.PM25}

func readYearTable() (map[string][]dayValues, error) {
	zr, err := gzip.NewReader(bytes.NewReader(yearTable))
	if err != nil {
		return nil, fmt.Errorf("simulate: year table: %w", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("simulate: year table: %w", err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) < 1 {
		return nil, fmt.Errorf("simulate: year table: %v", err)
	}
	out := map[string][]dayValues{}
	for _, r := range recs[1:] {
		if len(r) != 2+len(yearColumns) {
			return nil, fmt.Errorf("simulate: year table: row %v", r)
		}
		d, err := time.ParseInLocation(time.DateOnly, r[1], aqi.CST)
		if err != nil {
			return nil, fmt.Errorf("simulate: year table: %w", err)
		}
		dv := dayValues{date: d}
		for k, p := range yearColumns {
			dv.v[p] = math.NaN()
			if s := r[2+k]; s != "" {
				if dv.v[p], err = strconv.ParseFloat(s, 64); err != nil {
					return nil, fmt.Errorf("simulate: year table: %w", err)
				}
			}
		}
		out[r[0]] = append(out[r[0]], dv)
	}
	return out, nil
}

// YearReadings makes the hourly readings of a year for the demo stations
// (sources: station id → the bundled Beijing station it replays, as for
// BundledReadings), hour ends in (from, to]: each natural day of 2015 the
// source station's daily values times YearScale, spread over the hours by
// fixed hour-of-day shapes. A pollutant without a valid daily value is
// left out of that day's hours, as a station with an outage would send.
// Simulated data: never present it as measured.
func YearReadings(stations []aqwarn.Station, sources map[string]string, from, to time.Time) ([]aqwarn.Reading, error) {
	table, err := readYearTable()
	if err != nil {
		return nil, err
	}
	var out []aqwarn.Reading
	for _, st := range stations {
		days := table[sources[st.ID]]
		for _, dv := range days {
			for i := range 24 {
				t := dv.date.Add(time.Duration(i+1) * time.Hour)
				if !t.After(from) || t.After(to) {
					continue
				}
				r := aqwarn.Reading{Station: st.ID, Time: t.UTC(), Interval: time.Hour}
				for _, p := range yearColumns {
					v := dv.v[p]
					if math.IsNaN(v) {
						continue
					}
					v *= YearScale[p] * yearProfiles[p][i]
					dec := 1.0
					if p == aqi.CO {
						dec = 1000
					}
					r.Values = append(r.Values, aqwarn.Measure{Pollutant: p.String(), Value: math.Round(v*10*dec) / (10 * dec)})
				}
				if len(r.Values) > 0 {
					aqwarn.SortMeasures(r.Values)
					out = append(out, r)
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

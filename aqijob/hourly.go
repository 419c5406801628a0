package aqijob

import (
	"math"
	"sort"
	"time"

	"github.com/aqwarn/aqwarn"
)

// MinValidMinutes is the validity rule of an hourly mean built from
// sub-hourly data (GB 3095 / HJ 663: at least 45 minutes of valid data in
// the hour).
const MinValidMinutes = 45

type hourKey struct {
	station string
	end     int64 // unix seconds of the hour's end
}

// slots are the 60 minutes of one hour for one pollutant: the sum and count
// of values covering each minute.
type slots [60]struct {
	sum float64
	n   int
}

// HourlyMeans aggregates sub-hourly readings (1-minute, 5-minute, real-time)
// into hourly means, per station and pollutant.
//
// Each reading covers the minutes of its interval that end at its time; a
// minute belongs to the hour that ends at or after it (Chinese hour labels:
// the minute 12:59–13:00 is in the hour ending 13:00). Only valid values
// (flag "" or N, finite) count. A minute covered by several readings (a
// real-time value and a minute mean, or a resent reading) counts once, with
// the mean of what covered it, so the hourly mean is time-weighted. A
// pollutant's hourly mean exists only when at least MinValidMinutes minutes
// of the hour have a valid value; an hour with no such pollutant yields no
// reading. Readings of an hour or longer are ignored. The result is sorted by
// station and time and carries no flags (every value in it is valid).
func HourlyMeans(sub []aqwarn.Reading) []aqwarn.Reading {
	acc := map[hourKey]map[string]*slots{}
	for _, r := range sub {
		if r.Interval <= 0 || r.Interval >= time.Hour {
			continue
		}
		// A reading stamped inside a minute (real-time samples) closes that minute.
		end := r.Time.UTC()
		if t := end.Truncate(time.Minute); !t.Equal(end) {
			end = t.Add(time.Minute)
		}
		minutes := int((r.Interval + time.Minute - 1) / time.Minute)
		for _, m := range r.Values {
			if !m.Valid() || math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
				continue
			}
			for k := range minutes {
				slotEnd := end.Add(-time.Duration(k) * time.Minute)
				hourEnd := slotEnd.Truncate(time.Hour)
				if !hourEnd.Equal(slotEnd) {
					hourEnd = hourEnd.Add(time.Hour)
				}
				i := int(slotEnd.Sub(hourEnd.Add(-time.Hour))/time.Minute) - 1
				key := hourKey{r.Station, hourEnd.Unix()}
				byP := acc[key]
				if byP == nil {
					byP = map[string]*slots{}
					acc[key] = byP
				}
				s := byP[m.Pollutant]
				if s == nil {
					s = &slots{}
					byP[m.Pollutant] = s
				}
				s[i].sum += m.Value
				s[i].n++
			}
		}
	}
	out := make([]aqwarn.Reading, 0, len(acc))
	for key, byP := range acc {
		r := aqwarn.Reading{Station: key.station, Time: time.Unix(key.end, 0).UTC(), Interval: time.Hour}
		for p, s := range byP {
			var sum float64
			valid := 0
			for _, slot := range s {
				if slot.n > 0 {
					sum += slot.sum / float64(slot.n)
					valid++
				}
			}
			if valid >= MinValidMinutes {
				r.Values = append(r.Values, aqwarn.Measure{Pollutant: p, Value: sum / float64(valid)})
			}
		}
		if len(r.Values) > 0 {
			aqwarn.SortMeasures(r.Values)
			out = append(out, r)
		}
	}
	sortReadings(out)
	return out
}

// MergeHourly combines the hourly readings stations sent with the hourly
// means built from their sub-hourly data. A station's own hourly reading
// wins for its hour, whole: it is the value the station's operator
// validated (and the one national stations publish), and mixing pollutants
// from two sources would make one hour's AQI depend on two definitions.
func MergeHourly(sent, aggregated []aqwarn.Reading) []aqwarn.Reading {
	have := make(map[hourKey]bool, len(sent))
	for _, r := range sent {
		have[hourKey{r.Station, r.Time.Unix()}] = true
	}
	out := append([]aqwarn.Reading(nil), sent...)
	for _, r := range aggregated {
		if !have[hourKey{r.Station, r.Time.Unix()}] {
			out = append(out, r)
		}
	}
	sortReadings(out)
	return out
}

func sortReadings(rs []aqwarn.Reading) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Station != rs[j].Station {
			return rs[i].Station < rs[j].Station
		}
		return rs[i].Time.Before(rs[j].Time)
	})
}

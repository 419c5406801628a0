package aqijob

import (
	"context"
	"time"

	"github.com/aqwarn/aqwarn"
)

// subHourly are the intervals stations send below an hour.
var subHourly = []time.Duration{time.Minute, 5 * time.Minute}

// Forget tells the job that readings were stored: the hours they belong
// to are read again on the next run, also hours it had settled (a logger
// resending the last days, the spool replayed after an outage). Ingest calls
// it for every batch that reaches the primary store.
func (j *Job) Forget(rs []aqwarn.Reading) {
	j.forgetMu.Lock()
	defer j.forgetMu.Unlock()
	if j.forget == nil {
		j.forget = map[int64]bool{}
	}
	for _, r := range rs {
		j.forget[hourOf(r.Time)] = true
	}
}

// hourOf is the end of the hour t falls in, as a map key (Unix seconds: a
// time.Time key would tell apart the same instant in two locations): a
// reading ending 12:01 belongs to the hour ending 13:00.
func hourOf(t time.Time) int64 {
	h := t.Truncate(time.Hour)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h.Unix()
}

// readHours returns the hourly readings of (from, end]. The hours up to
// settled — older than the hours each run recomputes, there for the 24-hour
// reach of the rolling AQI — are read once and kept until Forget names
// them, so a run reads the recent hours and not 30 hours of minute data.
func (j *Job) readHours(ctx context.Context, from, end, settled time.Time) ([]aqwarn.Reading, error) {
	if j.settled == nil {
		j.settled = map[int64][]aqwarn.Reading{}
	}
	j.forgetMu.Lock()
	for h := range j.forget {
		delete(j.settled, h)
	}
	j.forget = nil
	j.forgetMu.Unlock()
	lo, hi := from.Unix(), settled.Unix()
	for h := range j.settled {
		if h <= lo {
			delete(j.settled, h)
		}
	}
	readFrom := settled // read (readFrom, end]: from the earliest settled hour not kept
	for h := settled; h.After(from); h = h.Add(-time.Hour) {
		if _, kept := j.settled[h.Unix()]; !kept {
			readFrom = h.Add(-time.Hour)
		}
	}
	rs, err := j.hourlyReadings(ctx, readFrom, end)
	if err != nil {
		return nil, err
	}
	for h := readFrom.Add(time.Hour); !h.After(settled); h = h.Add(time.Hour) {
		j.settled[h.Unix()] = nil // kept, also when no station sent anything for it
	}
	for _, r := range rs {
		if k := r.Time.Unix(); k <= hi {
			j.settled[k] = append(j.settled[k], r)
		}
	}
	var out []aqwarn.Reading
	for h, hour := range j.settled {
		if h > lo && h <= readFrom.Unix() {
			out = append(out, hour...)
		}
	}
	return append(out, rs...), nil
}

// hourlyReadings returns the hourly readings of the window (from, end]
// (HourlyReadings).
func (j *Job) hourlyReadings(ctx context.Context, from, end time.Time) ([]aqwarn.Reading, error) {
	return HourlyReadings(ctx, j.Readings, from, end)
}

// HourlyReadings returns the hourly readings of the window (from, end]:
// those the stations sent, and for the hours they did not send, the means of
// their 1- and 5-minute data where the hour has enough valid minutes (see
// HourlyMeans and MergeHourly, hourly.go). A station's own hourly value
// always wins. The statistics (stats/statsvc) read hours the same way.
func HourlyReadings(ctx context.Context, r Readings, from, end time.Time) ([]aqwarn.Reading, error) {
	sent, err := r.Readings(ctx, time.Hour, from, end)
	if err != nil {
		return nil, err
	}
	var sub []aqwarn.Reading
	for _, iv := range subHourly {
		rs, err := r.Readings(ctx, iv, from, end)
		if err != nil {
			return nil, err
		}
		sub = append(sub, rs...)
	}
	if len(sub) == 0 {
		return sent, nil
	}
	return MergeHourly(sent, HourlyMeans(sub)), nil
}

package aqijob

import (
	"context"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest"
)

// subHourly are the intervals stations send below an hour.
var subHourly = []time.Duration{time.Minute, 5 * time.Minute}

// hourlyReadings returns the hourly readings of the window (from, end]:
// those the stations sent, and for the hours they did not send, the means of
// their 1- and 5-minute data where the hour has enough valid minutes (see
// ingest.HourlyMeans and ingest.MergeHourly). A station's own hourly value
// always wins.
func (j *Job) hourlyReadings(ctx context.Context, from, end time.Time) ([]aqwarn.Reading, error) {
	sent, err := j.Readings.Readings(ctx, time.Hour, from, end)
	if err != nil {
		return nil, err
	}
	var sub []aqwarn.Reading
	for _, iv := range subHourly {
		rs, err := j.Readings.Readings(ctx, iv, from, end)
		if err != nil {
			return nil, err
		}
		sub = append(sub, rs...)
	}
	if len(sub) == 0 {
		return sent, nil
	}
	return ingest.MergeHourly(sent, ingest.HourlyMeans(sub)), nil
}

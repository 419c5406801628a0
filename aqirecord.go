package aqwarn

import "time"

// AQIValue is one AQI figure (hourly or 24-hour) with everything a reader
// needs to act on it.
type AQIValue struct {
	AQI        *int           `json:"aqi"` // nil: NA (publication rule) or not enough data
	Level      int            `json:"level"`
	CategoryZH string         `json:"category_zh"`
	CategoryEN string         `json:"category_en"`
	Color      string         `json:"color"`
	Primary    []string       `json:"primary"`
	IAQI       map[string]int `json:"iaqi"`
	Flags      []string       `json:"flags,omitempty"`
	AdviceZH   string         `json:"advice_zh"`
	AdviceEN   string         `json:"advice_en"`
}

// AQIRecord is the AQI of one station or region for the hour ending at Time.
type AQIRecord struct {
	Scope   string    `json:"scope"` // "station" or "region"
	ID      string    `json:"id"`
	Time    time.Time `json:"time"` // end of the hour, UTC
	Edition int       `json:"edition"`
	// Conc holds the hourly concentrations used (µg/m³, CO mg/m³).
	Conc       map[string]float64 `json:"concentrations"`
	Hourly     AQIValue           `json:"hourly"`
	Rolling24h AQIValue           `json:"rolling_24h"`
}

const (
	ScopeStation = "station"
	ScopeRegion  = "region"
)

// AQISnapshot is the newest AQI of every station and region.
type AQISnapshot struct {
	Computed time.Time
	Stations map[string]AQIRecord
	Regions  map[string]AQIRecord
}

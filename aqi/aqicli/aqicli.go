// Package aqicli is what `aqwarn aqi` does: the AQI of JSON lines (one
// object of concentrations per line, JSONLines) or of station CSV files in
// the Beijing layout (CSV), computed by package aqi, which stays pure: the
// reading and writing are here.
package aqicli

import (
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// Usage documents the command and its inputs; the flags follow it.
const Usage = `Usage:
  aqwarn aqi [--mode hourly|daily] [--edition auto|2012|2026] [--method platform|literal] < in.jsonl
  aqwarn aqi --csv [--edition auto|2012|2026] [--method platform|literal] FILE...

JSON lines (default): one object per line with any of
  pm25, pm10, so2, no2, o3, o3_8h (µg/m³) and co (mg/m³),
  optional "time" (RFC 3339, the end of the averaging period as Chinese data
  are labelled; in daily mode also a date, 2026-03-01, for a natural day) and
  "id" (echoed). Other keys are ignored. null = measured but missing; a key
  that is absent, or "/", = not measured (does not trigger the 2026 NA rule).
  hourly: 1-hour values. With --method literal (2012 only) also pm10_24h,
          pm25_24h (24-hour moving means), o3_8h and so2_24h.
  daily:  24-hour means; o3_8h = daily max 8-hour mean, o3 = daily max 1-hour
          value (2012 only).
  Prints one JSON object per input line. A bad line is reported on stderr
  with its number; the others are still processed and the exit status is 1.

--csv: station files in the Beijing layout (UCI #501; gzip accepted; CO in
  µg/m³; the hour column labels the end of the hour, +08:00). Prints CSV with
  the hourly AQI and the 24-hour AQI of the window ending at each hour, for
  every station and, with two or more stations, for the region (per-pollutant
  station means). daily_* is empty while the window reaches before the data.

--edition auto picks HJ 633—2012 or —2026 by the time of each value
(2026 for periods ending after 2026-03-01 00:00 +08:00).

Flags:
`

// Config is how values are evaluated.
type Config struct {
	Edition aqi.Edition      // 0: auto, by the time of each value (EditionFor)
	Method  aqi.HourlyMethod // the 2012 real-time method
	Daily   bool             // JSON lines are 24-hour means, not 1-hour values
}

// EditionFor resolves the edition of a value whose period ends at end.
func (c Config) EditionFor(end time.Time) aqi.Edition {
	if c.Edition != 0 {
		return c.Edition
	}
	return aqi.EditionForPeriodEnd(end)
}

// ParseConfig reads the command's --mode (hourly, daily), --edition
// (auto, 2012, 2026) and --method (platform, literal).
func ParseConfig(mode, edition, method string) (Config, error) {
	var cfg Config
	switch edition {
	case "auto":
	case "2012", "2026":
		cfg.Edition, _ = aqi.ParseEdition(edition)
	default:
		return cfg, fmt.Errorf("aqi: --edition %q: want auto, 2012 or 2026", edition)
	}
	switch method {
	case "platform":
	case "literal":
		cfg.Method = aqi.Literal2012
	default:
		return cfg, fmt.Errorf("aqi: --method %q: want platform or literal", method)
	}
	switch mode {
	case "hourly":
	case "daily":
		cfg.Daily = true
	default:
		return cfg, fmt.Errorf("aqi: --mode %q: want hourly or daily", mode)
	}
	return cfg, nil
}

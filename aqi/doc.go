// Package aqi computes the Chinese air quality index (AQI) of HJ 633—2012
// and HJ 633—2026: sub-indices, AQI, primary pollutant, category, health
// advice, hourly (real-time) and 24-hour values, rolling windows over long
// series, region means and the annual statistics of HJ 663. It is pure
// computation: no I/O, no clock; time is always an argument.
//
// # Editions
//
// Every Result carries the Edition that produced it. HJ 633—2012 governs
// data before 2026-03-01 00:00 China Standard Time (so replays of 2013–2017
// use it), HJ 633—2026 data from then on. EditionAt decides by an instant;
// EditionForPeriodEnd decides for a value labelled by the end of its
// averaging period, as Chinese hourly data are (the hour labelled 13:00
// covers 12:00–13:00), so the last hour and the natural day of 28 February
// 2026 stay under 2012. Callers may override the choice.
//
// The editions differ in: the IAQI-100 row of PM10 (150 → 120) and PM2.5
// (75 → 60); input rounding (2026 rounds µg/m³ to integers and CO to
// 0.1 mg/m³ by GB/T 8170, half to even, before the sub-index; 2012 does
// not round); 1-hour SO2 above 800 (2012: no 1-hour sub-index; 2026: 200);
// 8-hour O3 above 800 (2012: no 8-hour sub-index; 2026: 300); the daily
// report (2012 adds the daily maximum 1-hour O3 term); over-standard
// pollutants (2012) versus sensitive groups (2026); and the 2026
// publication rule for missing data (NA).
//
// # Real-time method under 2012
//
// The 2012 table reads PM10 and PM2.5 hourly values from their 24-hour moving
// means and has an 8-hour O3 term, but the national real-time platform
// published the maximum of the six 1-hour sub-indices (1-hour PM on the
// 24-hour columns, no 8-hour O3, SO2 above 800 left out) — which 2026 now
// prescribes. PlatformPractice is therefore the default; Literal2012 is
// available through Options.Method (Rolling) and HourlyLiteral2012.
//
// # Interpretations chosen here
//
//   - Precision: concentrations are quantised to 1e-6 µg/m³ (1e-6 mg/m³ for
//     CO) and the sub-index is interpolated in integers, so the ceiling is
//     exact at every breakpoint and the 2026 half-to-even rounding is exact for
//     decimal inputs such as 2.25 or 60.5, independent of float64 artefacts.
//   - 2026 rounding applies to the value that enters the sub-index (the
//     1-hour value, the 24-hour mean, the 8-hour mean), not to each hour
//     before averaging.
//   - Above the 500 row the sub-index is capped at 500 and BeyondIndex set.
//   - A sub-index of exactly the AQI makes a term primary (ties: all), when
//     the AQI is above 50. O3 can appear as both "o3" and "o3_8h".
//   - The 2026 category table starts at 1: an AQI that would be 0 (every
//     rounded concentration zero) is reported as 1. Under 2012 level 1 is 0–50.
//   - Missing versus not measured: NaN (or a negative or infinite value) is
//     missing; Options.NotMeasured marks pollutants a station does not
//     measure ("/"). Under 2026 a missing pollutant makes an AQI ≤ 100 NA;
//     not-measured ones do not. Under 2012 the AQI is computed from what is
//     valid. With nothing valid the result is NA in both editions.
//   - Validity: a 24-hour mean needs ≥ 20 valid hours, an 8-hour O3 mean ≥ 6
//     of 8. The daily maximum 8-hour O3 is the maximum over the 17 8-hour
//     windows that lie inside the 24 hours — for a natural day (hours labelled
//     01:00 … 24:00) exactly the windows ending 08:00 … 24:00; for a rolling
//     window the same rule, relative to its end. GB 3095's further "14 valid
//     8-hour means" condition is not in the service specification and is not
//     applied. The daily maximum 1-hour O3 (2012) needs one valid hour.
//   - Region values are per-pollutant means of the stations' valid hourly
//     values; the region's AQI is computed from them.
//   - Annual statistics count a day as valid when its report is Complete.
package aqi

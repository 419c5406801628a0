// Package stats is the air-quality statistics a county is judged by: day
// categories and the share of good days (优良天数比例), heavy-pollution days,
// the period means and evaluation percentiles of the six pollutants with the
// validity rules of HJ 663—2013 and GB 3095—2012, the comparison with the
// same period of last year, and the county's yearly targets — as data, with
// where the year stands against each and what is left to still meet it.
//
// It is pure computation on top of package aqi: no I/O, no clock; the
// instant "now" is always an argument. Readers (CSV, stores) live elsewhere
// (stats/statscli for `aqwarn stats`).
//
// # Days
//
// A natural day D is the 24 hours labelled D 01:00 … D+1 00:00 China
// Standard Time (Chinese hourly data are labelled by the end of the hour).
// Its AQI is aqi.DailyAQI over those hours under the edition of HJ 633 in
// force at the day's end (aqi.EditionForPeriodEnd: HJ 633—2012 up to and
// including 2026-02-28, HJ 633—2026 from 2026-03-01); every Day says which
// edition it used. A region's day is computed from the region's hours, each
// the per-pollutant mean of its stations' valid values (aqi.RegionHour),
// never by averaging station AQIs.
//
// # Interpretations chosen here (where the specification is silent)
//
//   - A day counts for the categories and the good-day ratio when its report
//     is complete (aqi.Result.Complete, as aqi.SummariseDays counts): an AQI
//     computed from only some pollutants is a lower bound, not a category.
//   - A pollutant's daily value is valid on its own terms (a 24-hour mean
//     from ≥ 20 hours, the daily maximum 8-hour O3 from windows of ≥ 6
//     hours), independent of whether the day's AQI is complete: the means of
//     HJ 663 are per pollutant.
//   - Daily concentrations are the unrounded means (read from the HJ 633—2012
//     daily report, whose inputs are not rounded), for both editions; the
//     2026 rounding applies to the input of a sub-index, not to statistics.
//     Only when the 2012 report has no 8-hour O3 value because it lies above
//     800 µg/m³ is the day's O3 value taken from the 2026 report (rounded to
//     an integer), so the day is not lost to the O3 percentile.
//   - Period means: GB 3095—2012 Table 4 (which HJ 663—2013 §6 applies) asks
//     ≥ 324 daily values for an annual mean and ≥ 27 per month (≥ 25 in
//     February) for annual and monthly means. For a season or any other
//     period, each calendar month it covers must meet the monthly rule; a
//     month the period covers only in part may lack at most as many days as
//     the whole month may (31 − 27 = 4 in a 31-day month), since more would
//     already make the whole month invalid. The 324 rule applies to a
//     calendar year. A mean that fails is still reported, with valid false
//     and the reasons, never silently.
//   - Seasons are the meteorological ones of the China Meteorological
//     Administration's bulletins: spring March–May, summer June–August,
//     autumn September–November, and winter of year Y December Y−1 to
//     February Y.
//   - Ratios are percentages of valid days; published figures are rounded
//     for display only (ratios to 0.1 %, means to 0.1 µg/m³, CO to 0.01
//     mg/m³, GB/T 8170 half to even); targets compare the exact values.
//   - "Last year" shifts the period by one calendar year; 29 February maps to
//     28 February (as a first day) or 1 March (as an end).
package stats

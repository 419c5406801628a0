package aqi

import (
	"math"
	"strconv"
	"testing"
)

type bpPoint struct {
	ed   Edition
	conc string // as a decimal, the way concentrations arrive in JSON or CSV
	want int
}

// breakpointCases visit every row of every column of both editions just
// below, at and just above the breakpoint (steps of 0.1 µg/m³ or 0.01 mg/m³
// under 2012; 1 µg/m³ or 0.1 mg/m³ under 2026, which rounds inputs first).
// The expected values come from an independent exact calculation with
// rational numbers and decimal half-even rounding, not from this package
// (testdata/breakpoints.py prints this table).
var breakpointCases = []struct {
	col    column
	beyond bool
	pts    []bpPoint
}{
	// 2012 SO2 24h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2012, "0", 0}, {2012, "0.1", 1}}},
	// 2012 SO2 24h: row IAQI 50 at 50 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2012, "49.9", 50}, {2012, "50", 50}, {2012, "50.1", 51}}},
	// 2012 SO2 24h: row IAQI 100 at 150 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2012, "149.9", 100}, {2012, "150", 100}, {2012, "150.1", 101}}},
	// 2012 SO2 24h: row IAQI 150 at 475 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2012, "474.9", 150}, {2012, "475", 150}, {2012, "475.1", 151}}},
	// 2012 SO2 24h: row IAQI 200 at 800 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2012, "799.9", 200}, {2012, "800", 200}, {2012, "800.1", 201}}},
	// 2012 SO2 24h: row IAQI 300 at 1600 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2012, "1599.9", 300}, {2012, "1600", 300}, {2012, "1600.1", 301}}},
	// 2012 SO2 24h: row IAQI 400 at 2100 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2012, "2099.9", 400}, {2012, "2100", 400}, {2012, "2100.1", 401}}},
	// 2012 SO2 24h: row IAQI 500 at 2620 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2012, "2619.9", 500}, {2012, "2620", 500}}},
	// 2012 SO2 24h: above the 500 row caps at 500 (beyond index)
	{col: colSO2_24h, beyond: true, pts: []bpPoint{{2012, "2621.0", 500}}},
	// 2012 SO2 1h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colSO2_1h, pts: []bpPoint{{2012, "0", 0}, {2012, "0.1", 1}}},
	// 2012 SO2 1h: row IAQI 50 at 150 µg/m³; below, at, above
	{col: colSO2_1h, pts: []bpPoint{{2012, "149.9", 50}, {2012, "150", 50}, {2012, "150.1", 51}}},
	// 2012 SO2 1h: row IAQI 100 at 500 µg/m³; below, at, above
	{col: colSO2_1h, pts: []bpPoint{{2012, "499.9", 100}, {2012, "500", 100}, {2012, "500.1", 101}}},
	// 2012 SO2 1h: row IAQI 150 at 650 µg/m³; below, at, above
	{col: colSO2_1h, pts: []bpPoint{{2012, "649.9", 150}, {2012, "650", 150}, {2012, "650.1", 151}}},
	// 2012 SO2 1h: row IAQI 200 at 800 µg/m³; below, at, above
	{col: colSO2_1h, pts: []bpPoint{{2012, "799.9", 200}, {2012, "800", 200}}},
	// 2012 NO2 24h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2012, "0", 0}, {2012, "0.1", 1}}},
	// 2012 NO2 24h: row IAQI 50 at 40 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2012, "39.9", 50}, {2012, "40", 50}, {2012, "40.1", 51}}},
	// 2012 NO2 24h: row IAQI 100 at 80 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2012, "79.9", 100}, {2012, "80", 100}, {2012, "80.1", 101}}},
	// 2012 NO2 24h: row IAQI 150 at 180 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2012, "179.9", 150}, {2012, "180", 150}, {2012, "180.1", 151}}},
	// 2012 NO2 24h: row IAQI 200 at 280 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2012, "279.9", 200}, {2012, "280", 200}, {2012, "280.1", 201}}},
	// 2012 NO2 24h: row IAQI 300 at 565 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2012, "564.9", 300}, {2012, "565", 300}, {2012, "565.1", 301}}},
	// 2012 NO2 24h: row IAQI 400 at 750 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2012, "749.9", 400}, {2012, "750", 400}, {2012, "750.1", 401}}},
	// 2012 NO2 24h: row IAQI 500 at 940 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2012, "939.9", 500}, {2012, "940", 500}}},
	// 2012 NO2 24h: above the 500 row caps at 500 (beyond index)
	{col: colNO2_24h, beyond: true, pts: []bpPoint{{2012, "941.0", 500}}},
	// 2012 NO2 1h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2012, "0", 0}, {2012, "0.1", 1}}},
	// 2012 NO2 1h: row IAQI 50 at 100 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2012, "99.9", 50}, {2012, "100", 50}, {2012, "100.1", 51}}},
	// 2012 NO2 1h: row IAQI 100 at 200 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2012, "199.9", 100}, {2012, "200", 100}, {2012, "200.1", 101}}},
	// 2012 NO2 1h: row IAQI 150 at 700 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2012, "699.9", 150}, {2012, "700", 150}, {2012, "700.1", 151}}},
	// 2012 NO2 1h: row IAQI 200 at 1200 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2012, "1199.9", 200}, {2012, "1200", 200}, {2012, "1200.1", 201}}},
	// 2012 NO2 1h: row IAQI 300 at 2340 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2012, "2339.9", 300}, {2012, "2340", 300}, {2012, "2340.1", 301}}},
	// 2012 NO2 1h: row IAQI 400 at 3090 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2012, "3089.9", 400}, {2012, "3090", 400}, {2012, "3090.1", 401}}},
	// 2012 NO2 1h: row IAQI 500 at 3840 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2012, "3839.9", 500}, {2012, "3840", 500}}},
	// 2012 NO2 1h: above the 500 row caps at 500 (beyond index)
	{col: colNO2_1h, beyond: true, pts: []bpPoint{{2012, "3841.0", 500}}},
	// 2012 PM10 24h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2012, "0", 0}, {2012, "0.1", 1}}},
	// 2012 PM10 24h: row IAQI 50 at 50 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2012, "49.9", 50}, {2012, "50", 50}, {2012, "50.1", 51}}},
	// 2012 PM10 24h: row IAQI 100 at 150 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2012, "149.9", 100}, {2012, "150", 100}, {2012, "150.1", 101}}},
	// 2012 PM10 24h: row IAQI 150 at 250 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2012, "249.9", 150}, {2012, "250", 150}, {2012, "250.1", 151}}},
	// 2012 PM10 24h: row IAQI 200 at 350 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2012, "349.9", 200}, {2012, "350", 200}, {2012, "350.1", 201}}},
	// 2012 PM10 24h: row IAQI 300 at 420 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2012, "419.9", 300}, {2012, "420", 300}, {2012, "420.1", 301}}},
	// 2012 PM10 24h: row IAQI 400 at 500 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2012, "499.9", 400}, {2012, "500", 400}, {2012, "500.1", 401}}},
	// 2012 PM10 24h: row IAQI 500 at 600 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2012, "599.9", 500}, {2012, "600", 500}}},
	// 2012 PM10 24h: above the 500 row caps at 500 (beyond index)
	{col: colPM10_24h, beyond: true, pts: []bpPoint{{2012, "601.0", 500}}},
	// 2012 CO 24h: row IAQI 0 at 0 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2012, "0", 0}, {2012, "0.01", 1}}},
	// 2012 CO 24h: row IAQI 50 at 2 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2012, "1.99", 50}, {2012, "2", 50}, {2012, "2.01", 51}}},
	// 2012 CO 24h: row IAQI 100 at 4 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2012, "3.99", 100}, {2012, "4", 100}, {2012, "4.01", 101}}},
	// 2012 CO 24h: row IAQI 150 at 14 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2012, "13.99", 150}, {2012, "14", 150}, {2012, "14.01", 151}}},
	// 2012 CO 24h: row IAQI 200 at 24 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2012, "23.99", 200}, {2012, "24", 200}, {2012, "24.01", 201}}},
	// 2012 CO 24h: row IAQI 300 at 36 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2012, "35.99", 300}, {2012, "36", 300}, {2012, "36.01", 301}}},
	// 2012 CO 24h: row IAQI 400 at 48 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2012, "47.99", 400}, {2012, "48", 400}, {2012, "48.01", 401}}},
	// 2012 CO 24h: row IAQI 500 at 60 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2012, "59.99", 500}, {2012, "60", 500}}},
	// 2012 CO 24h: above the 500 row caps at 500 (beyond index)
	{col: colCO_24h, beyond: true, pts: []bpPoint{{2012, "60.10", 500}}},
	// 2012 CO 1h: row IAQI 0 at 0 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2012, "0", 0}, {2012, "0.01", 1}}},
	// 2012 CO 1h: row IAQI 50 at 5 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2012, "4.99", 50}, {2012, "5", 50}, {2012, "5.01", 51}}},
	// 2012 CO 1h: row IAQI 100 at 10 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2012, "9.99", 100}, {2012, "10", 100}, {2012, "10.01", 101}}},
	// 2012 CO 1h: row IAQI 150 at 35 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2012, "34.99", 150}, {2012, "35", 150}, {2012, "35.01", 151}}},
	// 2012 CO 1h: row IAQI 200 at 60 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2012, "59.99", 200}, {2012, "60", 200}, {2012, "60.01", 201}}},
	// 2012 CO 1h: row IAQI 300 at 90 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2012, "89.99", 300}, {2012, "90", 300}, {2012, "90.01", 301}}},
	// 2012 CO 1h: row IAQI 400 at 120 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2012, "119.99", 400}, {2012, "120", 400}, {2012, "120.01", 401}}},
	// 2012 CO 1h: row IAQI 500 at 150 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2012, "149.99", 500}, {2012, "150", 500}}},
	// 2012 CO 1h: above the 500 row caps at 500 (beyond index)
	{col: colCO_1h, beyond: true, pts: []bpPoint{{2012, "150.10", 500}}},
	// 2012 O3 1h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2012, "0", 0}, {2012, "0.1", 1}}},
	// 2012 O3 1h: row IAQI 50 at 160 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2012, "159.9", 50}, {2012, "160", 50}, {2012, "160.1", 51}}},
	// 2012 O3 1h: row IAQI 100 at 200 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2012, "199.9", 100}, {2012, "200", 100}, {2012, "200.1", 101}}},
	// 2012 O3 1h: row IAQI 150 at 300 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2012, "299.9", 150}, {2012, "300", 150}, {2012, "300.1", 151}}},
	// 2012 O3 1h: row IAQI 200 at 400 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2012, "399.9", 200}, {2012, "400", 200}, {2012, "400.1", 201}}},
	// 2012 O3 1h: row IAQI 300 at 800 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2012, "799.9", 300}, {2012, "800", 300}, {2012, "800.1", 301}}},
	// 2012 O3 1h: row IAQI 400 at 1000 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2012, "999.9", 400}, {2012, "1000", 400}, {2012, "1000.1", 401}}},
	// 2012 O3 1h: row IAQI 500 at 1200 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2012, "1199.9", 500}, {2012, "1200", 500}}},
	// 2012 O3 1h: above the 500 row caps at 500 (beyond index)
	{col: colO3_1h, beyond: true, pts: []bpPoint{{2012, "1201.0", 500}}},
	// 2012 O3 8h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2012, "0", 0}, {2012, "0.1", 1}}},
	// 2012 O3 8h: row IAQI 50 at 100 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2012, "99.9", 50}, {2012, "100", 50}, {2012, "100.1", 51}}},
	// 2012 O3 8h: row IAQI 100 at 160 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2012, "159.9", 100}, {2012, "160", 100}, {2012, "160.1", 101}}},
	// 2012 O3 8h: row IAQI 150 at 215 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2012, "214.9", 150}, {2012, "215", 150}, {2012, "215.1", 151}}},
	// 2012 O3 8h: row IAQI 200 at 265 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2012, "264.9", 200}, {2012, "265", 200}, {2012, "265.1", 201}}},
	// 2012 O3 8h: row IAQI 300 at 800 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2012, "799.9", 300}, {2012, "800", 300}}},
	// 2012 PM2.5 24h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2012, "0", 0}, {2012, "0.1", 1}}},
	// 2012 PM2.5 24h: row IAQI 50 at 35 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2012, "34.9", 50}, {2012, "35", 50}, {2012, "35.1", 51}}},
	// 2012 PM2.5 24h: row IAQI 100 at 75 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2012, "74.9", 100}, {2012, "75", 100}, {2012, "75.1", 101}}},
	// 2012 PM2.5 24h: row IAQI 150 at 115 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2012, "114.9", 150}, {2012, "115", 150}, {2012, "115.1", 151}}},
	// 2012 PM2.5 24h: row IAQI 200 at 150 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2012, "149.9", 200}, {2012, "150", 200}, {2012, "150.1", 201}}},
	// 2012 PM2.5 24h: row IAQI 300 at 250 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2012, "249.9", 300}, {2012, "250", 300}, {2012, "250.1", 301}}},
	// 2012 PM2.5 24h: row IAQI 400 at 350 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2012, "349.9", 400}, {2012, "350", 400}, {2012, "350.1", 401}}},
	// 2012 PM2.5 24h: row IAQI 500 at 500 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2012, "499.9", 500}, {2012, "500", 500}}},
	// 2012 PM2.5 24h: above the 500 row caps at 500 (beyond index)
	{col: colPM25_24h, beyond: true, pts: []bpPoint{{2012, "501.0", 500}}},
	// 2026 SO2 24h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2026, "0", 0}, {2026, "1", 1}}},
	// 2026 SO2 24h: row IAQI 50 at 50 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2026, "49", 49}, {2026, "50", 50}, {2026, "51", 51}}},
	// 2026 SO2 24h: row IAQI 100 at 150 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2026, "149", 100}, {2026, "150", 100}, {2026, "151", 101}}},
	// 2026 SO2 24h: row IAQI 150 at 475 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2026, "474", 150}, {2026, "475", 150}, {2026, "476", 151}}},
	// 2026 SO2 24h: row IAQI 200 at 800 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2026, "799", 200}, {2026, "800", 200}, {2026, "801", 201}}},
	// 2026 SO2 24h: row IAQI 300 at 1600 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2026, "1599", 300}, {2026, "1600", 300}, {2026, "1601", 301}}},
	// 2026 SO2 24h: row IAQI 400 at 2100 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2026, "2099", 400}, {2026, "2100", 400}, {2026, "2101", 401}}},
	// 2026 SO2 24h: row IAQI 500 at 2620 µg/m³; below, at, above
	{col: colSO2_24h, pts: []bpPoint{{2026, "2619", 500}, {2026, "2620", 500}}},
	// 2026 SO2 24h: above the 500 row caps at 500 (beyond index)
	{col: colSO2_24h, beyond: true, pts: []bpPoint{{2026, "2630", 500}}},
	// 2026 SO2 1h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colSO2_1h, pts: []bpPoint{{2026, "0", 0}, {2026, "1", 1}}},
	// 2026 SO2 1h: row IAQI 50 at 150 µg/m³; below, at, above
	{col: colSO2_1h, pts: []bpPoint{{2026, "149", 50}, {2026, "150", 50}, {2026, "151", 51}}},
	// 2026 SO2 1h: row IAQI 100 at 500 µg/m³; below, at, above
	{col: colSO2_1h, pts: []bpPoint{{2026, "499", 100}, {2026, "500", 100}, {2026, "501", 101}}},
	// 2026 SO2 1h: row IAQI 150 at 650 µg/m³; below, at, above
	{col: colSO2_1h, pts: []bpPoint{{2026, "649", 150}, {2026, "650", 150}, {2026, "651", 151}}},
	// 2026 SO2 1h: row IAQI 200 at 800 µg/m³; below, at, above
	{col: colSO2_1h, pts: []bpPoint{{2026, "799", 200}, {2026, "800", 200}}},
	// 2026 NO2 24h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2026, "0", 0}, {2026, "1", 2}}},
	// 2026 NO2 24h: row IAQI 50 at 40 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2026, "39", 49}, {2026, "40", 50}, {2026, "41", 52}}},
	// 2026 NO2 24h: row IAQI 100 at 80 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2026, "79", 99}, {2026, "80", 100}, {2026, "81", 101}}},
	// 2026 NO2 24h: row IAQI 150 at 180 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2026, "179", 150}, {2026, "180", 150}, {2026, "181", 151}}},
	// 2026 NO2 24h: row IAQI 200 at 280 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2026, "279", 200}, {2026, "280", 200}, {2026, "281", 201}}},
	// 2026 NO2 24h: row IAQI 300 at 565 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2026, "564", 300}, {2026, "565", 300}, {2026, "566", 301}}},
	// 2026 NO2 24h: row IAQI 400 at 750 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2026, "749", 400}, {2026, "750", 400}, {2026, "751", 401}}},
	// 2026 NO2 24h: row IAQI 500 at 940 µg/m³; below, at, above
	{col: colNO2_24h, pts: []bpPoint{{2026, "939", 500}, {2026, "940", 500}}},
	// 2026 NO2 24h: above the 500 row caps at 500 (beyond index)
	{col: colNO2_24h, beyond: true, pts: []bpPoint{{2026, "950", 500}}},
	// 2026 NO2 1h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2026, "0", 0}, {2026, "1", 1}}},
	// 2026 NO2 1h: row IAQI 50 at 100 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2026, "99", 50}, {2026, "100", 50}, {2026, "101", 51}}},
	// 2026 NO2 1h: row IAQI 100 at 200 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2026, "199", 100}, {2026, "200", 100}, {2026, "201", 101}}},
	// 2026 NO2 1h: row IAQI 150 at 700 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2026, "699", 150}, {2026, "700", 150}, {2026, "701", 151}}},
	// 2026 NO2 1h: row IAQI 200 at 1200 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2026, "1199", 200}, {2026, "1200", 200}, {2026, "1201", 201}}},
	// 2026 NO2 1h: row IAQI 300 at 2340 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2026, "2339", 300}, {2026, "2340", 300}, {2026, "2341", 301}}},
	// 2026 NO2 1h: row IAQI 400 at 3090 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2026, "3089", 400}, {2026, "3090", 400}, {2026, "3091", 401}}},
	// 2026 NO2 1h: row IAQI 500 at 3840 µg/m³; below, at, above
	{col: colNO2_1h, pts: []bpPoint{{2026, "3839", 500}, {2026, "3840", 500}}},
	// 2026 NO2 1h: above the 500 row caps at 500 (beyond index)
	{col: colNO2_1h, beyond: true, pts: []bpPoint{{2026, "3850", 500}}},
	// 2026 PM10 24h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2026, "0", 0}, {2026, "1", 1}}},
	// 2026 PM10 24h: row IAQI 50 at 50 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2026, "49", 49}, {2026, "50", 50}, {2026, "51", 51}}},
	// 2026 PM10 24h: row IAQI 100 at 120 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2026, "119", 100}, {2026, "120", 100}, {2026, "121", 101}}},
	// 2026 PM10 24h: row IAQI 150 at 250 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2026, "249", 150}, {2026, "250", 150}, {2026, "251", 151}}},
	// 2026 PM10 24h: row IAQI 200 at 350 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2026, "349", 200}, {2026, "350", 200}, {2026, "351", 202}}},
	// 2026 PM10 24h: row IAQI 300 at 420 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2026, "419", 299}, {2026, "420", 300}, {2026, "421", 302}}},
	// 2026 PM10 24h: row IAQI 400 at 500 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2026, "499", 399}, {2026, "500", 400}, {2026, "501", 401}}},
	// 2026 PM10 24h: row IAQI 500 at 600 µg/m³; below, at, above
	{col: colPM10_24h, pts: []bpPoint{{2026, "599", 499}, {2026, "600", 500}}},
	// 2026 PM10 24h: above the 500 row caps at 500 (beyond index)
	{col: colPM10_24h, beyond: true, pts: []bpPoint{{2026, "610", 500}}},
	// 2026 CO 24h: row IAQI 0 at 0 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2026, "0", 0}, {2026, "0.1", 3}}},
	// 2026 CO 24h: row IAQI 50 at 2 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2026, "1.9", 48}, {2026, "2", 50}, {2026, "2.1", 53}}},
	// 2026 CO 24h: row IAQI 100 at 4 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2026, "3.9", 98}, {2026, "4", 100}, {2026, "4.1", 101}}},
	// 2026 CO 24h: row IAQI 150 at 14 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2026, "13.9", 150}, {2026, "14", 150}, {2026, "14.1", 151}}},
	// 2026 CO 24h: row IAQI 200 at 24 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2026, "23.9", 200}, {2026, "24", 200}, {2026, "24.1", 201}}},
	// 2026 CO 24h: row IAQI 300 at 36 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2026, "35.9", 300}, {2026, "36", 300}, {2026, "36.1", 301}}},
	// 2026 CO 24h: row IAQI 400 at 48 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2026, "47.9", 400}, {2026, "48", 400}, {2026, "48.1", 401}}},
	// 2026 CO 24h: row IAQI 500 at 60 mg/m³; below, at, above
	{col: colCO_24h, pts: []bpPoint{{2026, "59.9", 500}, {2026, "60", 500}}},
	// 2026 CO 24h: above the 500 row caps at 500 (beyond index)
	{col: colCO_24h, beyond: true, pts: []bpPoint{{2026, "61.0", 500}}},
	// 2026 CO 1h: row IAQI 0 at 0 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2026, "0", 0}, {2026, "0.1", 1}}},
	// 2026 CO 1h: row IAQI 50 at 5 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2026, "4.9", 49}, {2026, "5", 50}, {2026, "5.1", 51}}},
	// 2026 CO 1h: row IAQI 100 at 10 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2026, "9.9", 99}, {2026, "10", 100}, {2026, "10.1", 101}}},
	// 2026 CO 1h: row IAQI 150 at 35 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2026, "34.9", 150}, {2026, "35", 150}, {2026, "35.1", 151}}},
	// 2026 CO 1h: row IAQI 200 at 60 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2026, "59.9", 200}, {2026, "60", 200}, {2026, "60.1", 201}}},
	// 2026 CO 1h: row IAQI 300 at 90 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2026, "89.9", 300}, {2026, "90", 300}, {2026, "90.1", 301}}},
	// 2026 CO 1h: row IAQI 400 at 120 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2026, "119.9", 400}, {2026, "120", 400}, {2026, "120.1", 401}}},
	// 2026 CO 1h: row IAQI 500 at 150 mg/m³; below, at, above
	{col: colCO_1h, pts: []bpPoint{{2026, "149.9", 500}, {2026, "150", 500}}},
	// 2026 CO 1h: above the 500 row caps at 500 (beyond index)
	{col: colCO_1h, beyond: true, pts: []bpPoint{{2026, "151.0", 500}}},
	// 2026 O3 1h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2026, "0", 0}, {2026, "1", 1}}},
	// 2026 O3 1h: row IAQI 50 at 160 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2026, "159", 50}, {2026, "160", 50}, {2026, "161", 52}}},
	// 2026 O3 1h: row IAQI 100 at 200 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2026, "199", 99}, {2026, "200", 100}, {2026, "201", 101}}},
	// 2026 O3 1h: row IAQI 150 at 300 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2026, "299", 150}, {2026, "300", 150}, {2026, "301", 151}}},
	// 2026 O3 1h: row IAQI 200 at 400 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2026, "399", 200}, {2026, "400", 200}, {2026, "401", 201}}},
	// 2026 O3 1h: row IAQI 300 at 800 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2026, "799", 300}, {2026, "800", 300}, {2026, "801", 301}}},
	// 2026 O3 1h: row IAQI 400 at 1000 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2026, "999", 400}, {2026, "1000", 400}, {2026, "1001", 401}}},
	// 2026 O3 1h: row IAQI 500 at 1200 µg/m³; below, at, above
	{col: colO3_1h, pts: []bpPoint{{2026, "1199", 500}, {2026, "1200", 500}}},
	// 2026 O3 1h: above the 500 row caps at 500 (beyond index)
	{col: colO3_1h, beyond: true, pts: []bpPoint{{2026, "1210", 500}}},
	// 2026 O3 8h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2026, "0", 0}, {2026, "1", 1}}},
	// 2026 O3 8h: row IAQI 50 at 100 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2026, "99", 50}, {2026, "100", 50}, {2026, "101", 51}}},
	// 2026 O3 8h: row IAQI 100 at 160 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2026, "159", 100}, {2026, "160", 100}, {2026, "161", 101}}},
	// 2026 O3 8h: row IAQI 150 at 215 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2026, "214", 150}, {2026, "215", 150}, {2026, "216", 151}}},
	// 2026 O3 8h: row IAQI 200 at 265 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2026, "264", 199}, {2026, "265", 200}, {2026, "266", 201}}},
	// 2026 O3 8h: row IAQI 300 at 800 µg/m³; below, at, above
	{col: colO3_8h, pts: []bpPoint{{2026, "799", 300}, {2026, "800", 300}}},
	// 2026 PM2.5 24h: row IAQI 0 at 0 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2026, "0", 0}, {2026, "1", 2}}},
	// 2026 PM2.5 24h: row IAQI 50 at 35 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2026, "34", 49}, {2026, "35", 50}, {2026, "36", 52}}},
	// 2026 PM2.5 24h: row IAQI 100 at 60 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2026, "59", 98}, {2026, "60", 100}, {2026, "61", 101}}},
	// 2026 PM2.5 24h: row IAQI 150 at 115 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2026, "114", 150}, {2026, "115", 150}, {2026, "116", 152}}},
	// 2026 PM2.5 24h: row IAQI 200 at 150 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2026, "149", 199}, {2026, "150", 200}, {2026, "151", 201}}},
	// 2026 PM2.5 24h: row IAQI 300 at 250 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2026, "249", 299}, {2026, "250", 300}, {2026, "251", 301}}},
	// 2026 PM2.5 24h: row IAQI 400 at 350 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2026, "349", 399}, {2026, "350", 400}, {2026, "351", 401}}},
	// 2026 PM2.5 24h: row IAQI 500 at 500 µg/m³; below, at, above
	{col: colPM25_24h, pts: []bpPoint{{2026, "499", 500}, {2026, "500", 500}}},
	// 2026 PM2.5 24h: above the 500 row caps at 500 (beyond index)
	{col: colPM25_24h, beyond: true, pts: []bpPoint{{2026, "510", 500}}},
}

// iaqiThrough computes the sub-index of one column through the public API
// with every other pollutant marked as not measured, so that the column's
// own term decides the AQI. It returns one result per report that reads the
// column (PM columns are read by both hourly and daily reports).
func iaqiThrough(ed Edition, col column, c float64) (term Term, results []Result) {
	hourly := func(p Pollutant) []Result {
		h := MissingHour()
		h[p] = c
		return []Result{HourlyAQIOpt(h, ed, Options{NotMeasured: allBut(p)})}
	}
	daily := func(t Term) Result {
		m := MissingConcentrations()
		m[t] = c
		return DailyFromMeans(m, ed, Options{NotMeasured: allBut(t.Pollutant())})
	}
	switch col {
	case colSO2_1h:
		return TermSO2, hourly(SO2)
	case colNO2_1h:
		return TermNO2, hourly(NO2)
	case colCO_1h:
		return TermCO, hourly(CO)
	case colO3_1h:
		rs := hourly(O3)
		if ed == Edition2012 {
			rs = append(rs, daily(TermO3))
		}
		return TermO3, rs
	case colPM10_24h:
		return TermPM10, append(hourly(PM10), daily(TermPM10))
	case colPM25_24h:
		return TermPM25, append(hourly(PM25), daily(TermPM25))
	case colSO2_24h:
		return TermSO2, []Result{daily(TermSO2)}
	case colNO2_24h:
		return TermNO2, []Result{daily(TermNO2)}
	case colCO_24h:
		return TermCO, []Result{daily(TermCO)}
	case colO3_8h:
		return TermO3_8h, []Result{daily(TermO3_8h)}
	}
	panic("unknown column " + col.String())
}

func allBut(p Pollutant) PollutantSet {
	return AllPollutants &^ PollutantsOf(p)
}

func TestBreakpoints(t *testing.T) {
	n := 0
	for _, bc := range breakpointCases {
		for _, pt := range bc.pts {
			c, err := strconv.ParseFloat(pt.conc, 64)
			if err != nil {
				t.Fatal(err)
			}
			term, rs := iaqiThrough(pt.ed, bc.col, c)
			for _, r := range rs {
				n++
				if r.IAQI[term] != pt.want || r.BeyondIndex != bc.beyond {
					t.Errorf("%d %s at %s: IAQI %d beyond %v, want %d beyond %v (%v)",
						pt.ed, bc.col, pt.conc, r.IAQI[term], r.BeyondIndex, pt.want, bc.beyond, r)
				}
				wantAQI := max(pt.want, 1) // 2026 reports an all-zero AQI as 1
				if pt.ed == Edition2012 {
					wantAQI = pt.want
				}
				if r.NA || r.AQI != wantAQI {
					t.Errorf("%d %s at %s: AQI %d NA %v, want %d", pt.ed, bc.col, pt.conc, r.AQI, r.NA, wantAQI)
				}
			}
		}
	}
	if n < 500 {
		t.Fatalf("only %d breakpoint checks ran", n)
	}
}

func TestSubIndexIsExactAtEveryIntegerConcentration(t *testing.T) {
	// Between breakpoints the interpolation is checked against big-number
	// arithmetic at every integer concentration (every 0.1 mg/m³ for CO), so
	// a float artefact anywhere in the table would show up.
	for i, ed := range []Edition{Edition2012, Edition2026} {
		tab := tableOf(ed)
		if tab != &tables[i] {
			t.Fatalf("tableOf(%d) is not tables[%d]", ed, i)
		}
		for col := range numColumns {
			bp := tab[col]
			step := int64(unit)
			if col == colCO_24h || col == colCO_1h {
				step = coUnit
			}
			for c := int64(0); c <= bp[len(bp)-1]; c += step {
				got, beyond := subIndex(tab, col, c)
				want := refSubIndex(bp, c)
				if got != want || beyond {
					t.Fatalf("%d %s at %d micro-units: got %d beyond %v, want %d", ed, col, c, got, beyond, want)
				}
			}
		}
	}
}

// refSubIndex is the plain formula in float64 with a tolerance, for
// integer concentrations where the exact answer is known to lie on or away
// from an integer by far more than float error.
func refSubIndex(bp []int64, c int64) int {
	for i := 1; i < len(bp); i++ {
		if c <= bp[i] {
			x := float64(iaqiRows[i]-iaqiRows[i-1])/float64(bp[i]-bp[i-1])*float64(c-bp[i-1]) + float64(iaqiRows[i-1])
			return int(math.Ceil(x - 1e-9))
		}
	}
	return 500
}

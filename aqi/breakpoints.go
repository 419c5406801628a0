package aqi

import "math"

// Concentrations are handled internally as int64 micro-units (1e-6 µg/m³, or
// 1e-6 mg/m³ for CO). Every breakpoint is an integer number of units, so the
// ceiling of an interpolated sub-index and the GB/T 8170 half-to-even rounding
// of 2026 are exact integer operations: 35 µg/m³ gives exactly 50, 2.25 mg/m³
// of CO rounds to exactly 2.2, whatever float64 made of the decimal input.
// The price is that differences below 1e-6 µg/m³ are ignored.
const (
	unit     = 1_000_000   // micro-units per µg/m³ (or per mg/m³ for CO)
	maxMicro = int64(1e13) // 10⁷ µg/m³: beyond every table; clamps keep int64 arithmetic safe
	maxInput = 1e7         // float threshold matching maxMicro
	missing  = int64(-1)   // a missing concentration in micro-units
	coUnit   = unit / 10   // 2026 rounds CO to 0.1 mg/m³
)

// quantise converts a concentration to micro-units. NaN, infinities and
// negative values are not measurements and come back as missing.
func quantise(v float64) int64 {
	switch {
	case !(v >= 0) || math.IsInf(v, 1):
		return missing
	case v >= maxInput:
		return maxMicro
	}
	return int64(math.Round(v * unit))
}

// meanMicro is sum/n in micro-units, rounded half up (sum ≥ 0, n > 0).
func meanMicro(sum int64, n int) int64 {
	d := int64(n)
	return (2*sum + d) / (2 * d)
}

// roundHalfEven rounds c to a multiple of step by GB/T 8170: a dropped part
// of exactly half the step rounds to the even multiple.
func roundHalfEven(c, step int64) int64 {
	q, r := c/step, c%step
	switch {
	case 2*r > step, 2*r == step && q%2 == 1:
		q++
	}
	return q * step
}

// round2026 applies the HJ 633—2026 input rounding: µg/m³ to integers, CO
// (mg/m³) to one decimal.
func round2026(c int64, co bool) int64 {
	if co {
		return roundHalfEven(c, coUnit)
	}
	return roundHalfEven(c, unit)
}

// column is a concentration column of the breakpoint table.
type column uint8

const (
	colSO2_24h column = iota
	colSO2_1h
	colNO2_24h
	colNO2_1h
	colPM10_24h
	colCO_24h
	colCO_1h
	colO3_1h
	colO3_8h
	colPM25_24h
	numColumns
	colNone column = 255 // the term is not part of this report
)

var columnNames = [numColumns]string{"SO2 24h", "SO2 1h", "NO2 24h", "NO2 1h", "PM10 24h", "CO 24h", "CO 1h", "O3 1h", "O3 8h", "PM2.5 24h"}

func (c column) String() string {
	if c < numColumns {
		return columnNames[c]
	}
	return "none"
}

// iaqiRows are the IAQI values of the table rows.
var iaqiRows = [...]int64{0, 50, 100, 150, 200, 300, 400, 500}

// table2012 is HJ 633—2012 table 1 in µg/m³ (CO in mg/m³). SO2 1h stops at
// the 200 row and O3 8h at the 300 row; what lies above is an edge rule.
var table2012 = [numColumns][]int64{
	colSO2_24h:  {0, 50, 150, 475, 800, 1600, 2100, 2620},
	colSO2_1h:   {0, 150, 500, 650, 800},
	colNO2_24h:  {0, 40, 80, 180, 280, 565, 750, 940},
	colNO2_1h:   {0, 100, 200, 700, 1200, 2340, 3090, 3840},
	colPM10_24h: {0, 50, 150, 250, 350, 420, 500, 600},
	colCO_24h:   {0, 2, 4, 14, 24, 36, 48, 60},
	colCO_1h:    {0, 5, 10, 35, 60, 90, 120, 150},
	colO3_1h:    {0, 160, 200, 300, 400, 800, 1000, 1200},
	colO3_8h:    {0, 100, 160, 215, 265, 800},
	colPM25_24h: {0, 35, 75, 115, 150, 250, 350, 500},
}

// tables holds both editions in micro-units: [0] 2012, [1] 2026, which only
// lowers the IAQI-100 row of the particulates (PM10 150 → 120, PM2.5 75 → 60).
var tables = func() [2][numColumns][]int64 {
	var t [2][numColumns][]int64
	for ed := range t {
		for col, row := range table2012 {
			m := make([]int64, len(row))
			for i, v := range row {
				m[i] = v * unit
			}
			t[ed][col] = m
		}
	}
	t[1][colPM10_24h][2] = 120 * unit
	t[1][colPM25_24h][2] = 60 * unit
	return t
}()

func tableOf(ed Edition) *[numColumns][]int64 {
	if ed == Edition2012 {
		return &tables[0]
	}
	return &tables[1]
}

// topOf returns the concentration of the highest row of a column.
func topOf(tab *[numColumns][]int64, col column) int64 {
	bp := tab[col]
	return bp[len(bp)-1]
}

// subIndex interpolates c (micro-units, ≥ 0) on col and rounds up. Above the
// top row it returns 500 and beyond = true; callers handle the SO2 1h and
// O3 8h columns, whose top rows are below 500, before calling.
func subIndex(tab *[numColumns][]int64, col column, c int64) (iaqi int, beyond bool) {
	bp := tab[col]
	for i := 1; i < len(bp); i++ {
		if c <= bp[i] {
			lo, hi := bp[i-1], bp[i]
			ilo, ihi := iaqiRows[i-1], iaqiRows[i]
			num, den := (ihi-ilo)*(c-lo), hi-lo
			return int(ilo + (num+den-1)/den), false
		}
	}
	return 500, true
}

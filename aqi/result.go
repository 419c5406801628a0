package aqi

import (
	"strconv"
	"strings"
)

// Result is one AQI report (hourly or daily) and says which edition made it.
type Result struct {
	Edition Edition

	// AQI is the index, 0..500; it is meaningful only when NA is false.
	AQI int
	// NA is set when no valid sub-index exists, or, under 2026, when the
	// AQI would be ≤ 100 while a measured pollutant is missing: the
	// publication rule then withholds AQI, level and primary pollutant.
	NA bool
	// Level is the category, 1..6, or 0 when NA.
	Level int

	// IAQI holds the sub-index of each term, or -1 when the term was not
	// computed (missing, not measured, not part of this kind of report, or
	// left out by an edge rule).
	IAQI [NumTerms]int
	// Conc holds the concentration each computed sub-index was read from
	// (µg/m³, CO mg/m³): after the 2026 input rounding, and for the 2012
	// literal SO2 fallback the 24-hour mean. NaN when not computed.
	Conc [NumTerms]float64

	// Primary lists every term whose sub-index equals the AQI, when AQI > 50.
	Primary TermSet
	// BeyondIndex is set when a concentration lay above the 500 row; its
	// sub-index was capped at 500.
	BeyondIndex bool
	// OverStandard (2012 only) lists the terms with a sub-index above 100.
	OverStandard TermSet
	// SensitiveGroups (2026 only) is the union of the groups warned for
	// every pollutant with a sub-index above 100.
	SensitiveGroups GroupSet

	// Missing lists the measured pollutants that had no valid value for a
	// term of this report. A report with Missing empty is complete.
	Missing PollutantSet
	// Flags records the edge rules that fired.
	Flags Flags
}

// Complete reports whether every measured pollutant had valid data and an
// AQI was published: the condition for a valid day in annual statistics.
func (r Result) Complete() bool { return !r.NA && r.Missing == 0 }

// The words of the published flags beyond Flags' own (aqwarn.AQIValue,
// `aqwarn aqi`): every consumer spells them the same.
const (
	// WordBeyondIndex: a concentration above the table's top (AQI 500).
	WordBeyondIndex = "beyond_index"
	// WordIncomplete: not published under the publication rule (Published).
	WordIncomplete = "incomplete"
)

// Published applies the publication rule of HJ 633—2026 (to 2012-era data
// as well): an AQI of 100 or less computed while a measured pollutant had
// no valid value is not published, so r comes back NA, and incomplete is
// true. HJ 633—2012 has no such rule, but without it the first hours of a
// series, or a PM analyser outage, would show "优" from ozone alone — a
// reading nobody should act on.
func (r Result) Published() (p Result, incomplete bool) {
	if r.NA || r.Missing == 0 || r.AQI > 100 {
		return r, false
	}
	r.NA, r.Level, r.Primary = true, 0, 0
	return r, true
}

// Category returns the category of the result (the NA category when NA).
func (r Result) Category() Category { return CategoryOf(r.Level) }

// Flags are the edge rules that fired in a report.
type Flags uint8

const (
	// FlagSO2Above800: 1-hour SO2 above 800 µg/m³. Under 2012 the platform
	// leaves SO2 out of the hourly AQI and the literal table reads the
	// 24-hour mean instead; under 2026 the SO2 sub-index is 200.
	FlagSO2Above800 Flags = 1 << iota
	// FlagO3_8hAbove800: 8-hour O3 above 800 µg/m³. Under 2012 there is no
	// 8-hour sub-index (the 1-hour one reports O3); under 2026 it is 300.
	FlagO3_8hAbove800
)

var flagNames = []string{"so2_1h_above_800", "o3_8h_above_800"}

// Names returns the flag names ("so2_1h_above_800", "o3_8h_above_800").
func (f Flags) Names() []string {
	var out []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// String joins the names with ",".
func (f Flags) String() string { return strings.Join(f.Names(), ",") }

// LevelOf returns the category level, 1..6, of an AQI value.
func LevelOf(aqi int) int {
	switch {
	case aqi <= 50:
		return 1
	case aqi <= 100:
		return 2
	case aqi <= 150:
		return 3
	case aqi <= 200:
		return 4
	case aqi <= 300:
		return 5
	}
	return 6
}

// Category is an AQI category with its colour and health advice.
type Category struct {
	Level    int
	ZH, EN   string // 类别 and its English name
	Color    string // "#RRGGBB"
	RGB      [3]uint8
	AdviceZH string
	AdviceEN string
}

var categories = [7]Category{
	{Level: 0, ZH: "NA", EN: "NA",
		AdviceZH: "数据不足，不发布空气质量指数。",
		AdviceEN: "Not enough valid data to publish an AQI."},
	{Level: 1, ZH: "优", EN: "Good", Color: "#00E400", RGB: [3]uint8{0, 228, 0},
		AdviceZH: "空气质量令人满意，各类人群可正常活动。",
		AdviceEN: "Air quality is satisfactory; everyone can go about outdoor activities as usual."},
	{Level: 2, ZH: "良", EN: "Moderate", Color: "#FFFF00", RGB: [3]uint8{255, 255, 0},
		AdviceZH: "空气质量可接受，极少数异常敏感人群应减少户外活动。",
		AdviceEN: "Air quality is acceptable; the very few unusually sensitive people should cut down on outdoor activity."},
	{Level: 3, ZH: "轻度污染", EN: "Lightly Polluted", Color: "#FF7E00", RGB: [3]uint8{255, 126, 0},
		AdviceZH: "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼。",
		AdviceEN: "Children, older people and people with heart or respiratory disease should cut down on long or strenuous outdoor exercise."},
	{Level: 4, ZH: "中度污染", EN: "Moderately Polluted", Color: "#FF0000", RGB: [3]uint8{255, 0, 0},
		AdviceZH: "儿童、老年人及心脏病、呼吸系统疾病患者应避免长时间、高强度的户外锻炼，一般人群适量减少户外运动。",
		AdviceEN: "Children, older people and people with heart or respiratory disease should avoid long or strenuous outdoor exercise; everyone else should do less of it."},
	{Level: 5, ZH: "重度污染", EN: "Heavily Polluted", Color: "#99004C", RGB: [3]uint8{153, 0, 76},
		AdviceZH: "儿童、老年人及心脏病、肺病患者应留在室内，停止户外运动，一般人群减少户外运动。",
		AdviceEN: "Children, older people and people with heart or lung disease should stay indoors and stop outdoor exercise; everyone else should cut down on outdoor exercise."},
	{Level: 6, ZH: "严重污染", EN: "Severely Polluted", Color: "#7E0023", RGB: [3]uint8{126, 0, 35},
		AdviceZH: "儿童、老年人及病人应留在室内，避免体力消耗，一般人群应避免户外活动。",
		AdviceEN: "Children, older people and the sick should stay indoors and avoid physical exertion; everyone else should avoid outdoor activity."},
}

// CategoryOf returns the category of a level, 1..6; any other level gives
// the NA category (Level 0, no colour).
func CategoryOf(level int) Category {
	if level < 1 || level > 6 {
		return categories[0]
	}
	return categories[level]
}

// String renders a compact form for logs and test failures.
func (r Result) String() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(r.Edition)))
	if r.NA {
		b.WriteString(" AQI NA")
	} else {
		b.WriteString(" AQI ")
		b.WriteString(strconv.Itoa(r.AQI))
		b.WriteString(" L")
		b.WriteString(strconv.Itoa(r.Level))
	}
	for t := range NumTerms {
		if r.IAQI[t] >= 0 {
			b.WriteString(" ")
			b.WriteString(t.String())
			b.WriteString("=")
			b.WriteString(strconv.Itoa(r.IAQI[t]))
		}
	}
	if r.Primary != 0 {
		b.WriteString(" primary=" + r.Primary.String())
	}
	if r.BeyondIndex {
		b.WriteString(" beyond")
	}
	if r.Missing != 0 {
		b.WriteString(" missing=" + r.Missing.String())
	}
	if r.Flags != 0 {
		b.WriteString(" flags=" + r.Flags.String())
	}
	return b.String()
}

package aqi

import (
	"strconv"
	"strings"
)

// Pollutant is one of the six pollutants of the AQI.
type Pollutant uint8

// The six pollutants, in the column order of HJ 633. O3 is the pollutant; its
// 1-hour and 8-hour sub-indices are the terms TermO3 and TermO3_8h.
const (
	SO2 Pollutant = iota
	NO2
	PM10
	CO
	O3
	PM25
	NumPollutants
)

var pollutantNames = [NumPollutants]string{"so2", "no2", "pm10", "co", "o3", "pm25"}
var pollutantLabels = [NumPollutants]string{"SO2", "NO2", "PM10", "CO", "O3", "PM2.5"}

// String returns the machine name: "so2", "no2", "pm10", "co", "o3", "pm25".
func (p Pollutant) String() string {
	if p < NumPollutants {
		return pollutantNames[p]
	}
	return "pollutant(" + strconv.Itoa(int(p)) + ")"
}

// Label returns the display name: "SO2", "NO2", "PM10", "CO", "O3", "PM2.5".
func (p Pollutant) Label() string {
	if p < NumPollutants {
		return pollutantLabels[p]
	}
	return p.String()
}

// ParsePollutant accepts a machine name or a label, case-insensitively
// ("pm25", "PM2.5", "pm2_5" all name PM2.5).
func ParsePollutant(s string) (Pollutant, bool) {
	k := normaliseName(s)
	for p := range NumPollutants {
		if k == pollutantNames[p] {
			return p, true
		}
	}
	return 0, false
}

// normaliseName folds the spellings people use for the same pollutant.
func normaliseName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, "₂", "2")
	s = strings.ReplaceAll(s, "₃", "3")
	s = strings.ReplaceAll(s, ".", "")
	s = strings.ReplaceAll(s, "-", "_")
	switch s {
	case "pm2_5":
		return "pm25"
	case "o3_1h":
		return "o3"
	}
	return s
}

// PollutantSet is a set of pollutants; the zero value is empty. It yields
// and names them in column order.
type PollutantSet = Set[Pollutant]

// AllPollutants is the set of all six pollutants.
const AllPollutants PollutantSet = 1<<NumPollutants - 1

// PollutantsOf returns the set holding ps.
func PollutantsOf(ps ...Pollutant) PollutantSet { return setOf(ps) }

// Term is one sub-index of an AQI report: one per pollutant, plus the 8-hour
// ozone term. The first six terms have the values of their Pollutant.
type Term uint8

// The sub-index terms. TermO3 is 1-hour ozone (the hourly value, or the daily
// maximum 1-hour value in a 2012 daily report); TermO3_8h is the 8-hour moving
// mean (or the daily maximum of it).
const (
	TermSO2   = Term(SO2)
	TermNO2   = Term(NO2)
	TermPM10  = Term(PM10)
	TermCO    = Term(CO)
	TermO3    = Term(O3)
	TermPM25  = Term(PM25)
	TermO3_8h = Term(NumPollutants)
	NumTerms  = TermO3_8h + 1
)

var termNames = [NumTerms]string{"so2", "no2", "pm10", "co", "o3", "pm25", "o3_8h"}
var termLabels = [NumTerms]string{"SO2", "NO2", "PM10", "CO", "O3", "PM2.5", "O3_8h"}

// String returns the machine name: "so2", ..., "pm25", "o3_8h".
func (t Term) String() string {
	if t < NumTerms {
		return termNames[t]
	}
	return "term(" + strconv.Itoa(int(t)) + ")"
}

// Label returns the display name ("PM2.5", "O3_8h").
func (t Term) Label() string {
	if t < NumTerms {
		return termLabels[t]
	}
	return t.String()
}

// Pollutant returns the pollutant the term measures.
func (t Term) Pollutant() Pollutant {
	if t == TermO3_8h {
		return O3
	}
	return Pollutant(t)
}

// ParseTerm accepts a term name or label, case-insensitively ("o3_8h", "O3-8h", "pm2.5").
func ParseTerm(s string) (Term, bool) {
	k := normaliseName(s)
	for t := range NumTerms {
		if k == termNames[t] {
			return t, true
		}
	}
	return 0, false
}

// TermSet is a set of terms (primary pollutants, over-standard pollutants);
// the zero value is empty. A bit set rather than a slice keeps Result
// comparable and free of allocations in long replays.
type TermSet = Set[Term]

// TermsOf returns the set holding ts.
func TermsOf(ts ...Term) TermSet { return setOf(ts) }

// Group is a population group named in the 2026 health advice.
type Group uint8

// The sensitive groups of HJ 633—2026.
const (
	Children Group = iota
	Elderly
	Asthma
	RespiratoryDisease
	CardiovascularDisease
	ActiveOutdoors
	numGroups
)

var groupNames = [numGroups]string{"children", "elderly", "asthma", "respiratory_disease", "cardiovascular_disease", "active_outdoors"}
var groupZH = [numGroups]string{"儿童", "老年人", "哮喘患者", "呼吸系统疾病患者", "心血管疾病患者", "户外活动较多的人群"}
var groupEN = [numGroups]string{"children", "older people", "people with asthma", "people with respiratory disease", "people with cardiovascular disease", "people who are very active outdoors"}

// String returns the machine name ("respiratory_disease").
func (g Group) String() string {
	if g < numGroups {
		return groupNames[g]
	}
	return "group(" + strconv.Itoa(int(g)) + ")"
}

// ZH returns the Chinese name of the group.
func (g Group) ZH() string {
	if g < numGroups {
		return groupZH[g]
	}
	return g.String()
}

// EN returns the English name of the group, for running text.
func (g Group) EN() string {
	if g < numGroups {
		return groupEN[g]
	}
	return g.String()
}

// GroupSet is a set of groups; the zero value is empty.
type GroupSet = Set[Group]

// GroupsOf returns the set holding gs.
func GroupsOf(gs ...Group) GroupSet { return setOf(gs) }

// sensitive lists, per pollutant, the groups HJ 633—2026 warns when that
// pollutant's sub-index is above 100.
var sensitive = [NumPollutants]GroupSet{
	SO2:  GroupsOf(Asthma, Children, Elderly),
	NO2:  GroupsOf(RespiratoryDisease, Children, Elderly),
	PM10: GroupsOf(CardiovascularDisease, RespiratoryDisease, Children, Elderly),
	CO:   GroupsOf(CardiovascularDisease),
	O3:   GroupsOf(RespiratoryDisease, Children, ActiveOutdoors, Elderly),
	PM25: GroupsOf(CardiovascularDisease, RespiratoryDisease, Children, Elderly),
}

// SensitiveGroupsOf returns the groups HJ 633—2026 names for pollutant p.
func SensitiveGroupsOf(p Pollutant) GroupSet {
	if p < NumPollutants {
		return sensitive[p]
	}
	return 0
}

package reduction

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/aqwarn/aqwarn/internal/csvsafe"
)

// FilingColumns returns the header of the filing CSV, in order; every
// column is described in testdata/filing-schema.md (a test keeps the two
// equal).
func FilingColumns() []string { return slices.Clone(filingColumns) }

var filingColumns = []string{
	"list_id", "list_year", "enterprise_id", "uscc", "name_zh", "source_type", "industry_code", "guide_industry",
	"town", "park", "address", "lon", "lat", "permit_no", "permit_class",
	"grade", "grade_from", "grade_to", "grade_source", "guarantee_kind", "approved_max_load_pct",
	"small_micro", "residential_heating", "status", "supervising_units",
	"level", "actions", "measures_zh", "key_indicators", "origins", "exempt",
	"so2_t_a", "nox_t_a", "pm_t_a", "vocs_t_a",
	"cut_so2_kg_d", "cut_nox_kg_d", "cut_pm_kg_d", "cut_vocs_kg_d",
	"plan_doc_ref", "plan_doc_version", "signboard_installed_at",
}

// filingLevels are the levels of the filed list: the national template has
// one column per warning level; the pre tier is the county's own (plan 4.2)
// and stays out of the filing.
var filingLevels = []string{LevelYellow, LevelOrange, LevelRed}

// WriteFilingCSV writes the list for filing with the city (plan 9.3): one
// row per source (by id) and warning level, the measures in force as the
// list states them (PM-driven, grades as listed). UTF-8 with a byte-order
// mark, so spreadsheet programs read the Chinese text; a cell that would
// start a formula is neutralised. Contacts and channels are not part of
// the filing.
func WriteFilingCSV(w io.Writer, l *List) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csvsafe.Writer{Writer: csv.NewWriter(w)} // no cell runs as a formula in a spreadsheet
	if err := cw.Write(filingColumns); err != nil {
		return err
	}
	for _, i := range l.byIDOrder() {
		e := &l.Enterprises[i]
		for _, lv := range filingLevels {
			ins := l.resolve(e, levelIndex(lv), true, false, e.Grade, "")
			if err := cw.Write(filingRow(l, e, ins)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func filingRow(l *List, e *Enterprise, ins Instruction) []string {
	var acts, texts, kis, origins []string
	var cut Pollutants
	hasCut := false
	for _, m := range ins.Measures {
		acts = append(acts, m.Action)
		t := m.TextZH
		if len(m.Targets) > 0 {
			t = "[" + strings.Join(m.Targets, ",") + "] " + t
		}
		texts = append(texts, t)
		if k := m.KeyIndicator; k != nil && k.Base > 0 {
			kis = append(kis, k.NameZH+" ≤ "+num(k.Limit)+" "+k.Unit+"（基数 "+num(k.Base)+"）")
		}
		origins = append(origins, m.Origin)
		if c := m.ExpectedCutKgD; c != nil {
			hasCut = true
			cut.SO2, cut.NOx, cut.PM, cut.VOCs = cut.SO2+c.SO2, cut.NOx+c.NOx, cut.PM+c.PM, cut.VOCs+c.VOCs
		}
	}
	g := e.Guarantee
	if g == nil {
		g = &Guarantee{}
	}
	exempt := ""
	if ins.Exempt != nil {
		exempt = ins.Exempt.Kind + ": " + ins.Exempt.ReasonZH
	}
	f := func(v float64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	cf := func(v float64) string {
		if !hasCut {
			return ""
		}
		return strconv.FormatFloat(round3(v), 'f', -1, 64)
	}
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	var docRef, docVer, board string
	if e.PlanDoc != nil {
		docRef, docVer = e.PlanDoc.Ref, e.PlanDoc.Version
	}
	if e.Signboard != nil {
		board = e.Signboard.InstalledAt.String()
	}
	return []string{
		l.ID, strconv.Itoa(l.Year), e.ID, e.USCC, e.NameZH, e.SourceType, e.IndustryCode, e.GuideIndustry,
		e.Town, e.Park, e.Address, f(e.Lon), f(e.Lat), e.PermitNo, e.PermitClass,
		e.Grade, e.GradeFrom.String(), e.GradeTo.String(), e.GradeSource, g.Kind, f(g.ApprovedMaxLoadPct),
		b(e.SmallMicro), b(e.ResidentialHeating), e.Status, strings.Join(e.SupervisingUnits, ";"),
		ins.Level, strings.Join(acts, ";"), strings.Join(texts, "；"), strings.Join(kis, "；"), strings.Join(origins, ";"), exempt,
		f(e.EmissionsBase.SO2), f(e.EmissionsBase.NOx), f(e.EmissionsBase.PM), f(e.EmissionsBase.VOCs),
		cf(cut.SO2), cf(cut.NOx), cf(cut.PM), cf(cut.VOCs),
		docRef, docVer, board,
	}
}

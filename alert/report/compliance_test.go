package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// compliance is an orange episode's compliance: six sources with
// measures; cem-b confirmed twice (R1 and R3 of one night), coat-d once,
// site-1's gap dismissed, glass-b's finding still being inspected (its
// inspection overdue); a penalty and a downgrade approved, a stop order
// pending.
func compliance() *Compliance {
	d0 := time.Date(2026, 12, 2, 22, 0, 0, 0, cst)
	h := func(n float64) time.Time { return d0.Add(time.Duration(n * float64(time.Hour))) }
	return &Compliance{
		Sources: []DutySource{{"cem-a", "演示甲水泥", "industrial", "A"}, {"cem-b", "演示瑶峰水泥", "industrial", "B"},
			{"coat-d", "演示丁涂装", "industrial", "D"}, {"glass-b", "演示乙玻璃", "industrial", "B"},
			{"site-1", "演示一号工地", "dust_construction", ""}, {"haul-1", "演示一号运输", "mobile_bulk", ""}},
		Events: []ComplianceEvent{
			{ID: "ce-1", Source: "cem-b", Rule: "R1_stop_not_executed", State: "confirmed", Start: h(0), End: h(2)},
			{ID: "ce-2", Source: "cem-b", Rule: "R3_night_production", State: "confirmed", Start: h(0), End: h(8)},
			{ID: "ce-3", Source: "coat-d", Rule: "R1_stop_not_executed", State: "confirmed", Start: h(1), End: h(3)},
			{ID: "ce-4", Source: "site-1", Rule: "R7_data_gap", State: "dismissed", Start: h(2), End: h(5)},
			{ID: "ce-5", Source: "glass-b", Rule: "R4_treatment_off", State: "inspecting", Start: h(30), End: h(31)},
		},
		Inspections: []ComplianceInspection{
			{ID: 1, Source: "cem-b", Unit: "industry_it", Due: h(24), Concluded: h(10), Outcome: "confirmed"},
			{ID: 2, Source: "coat-d", Unit: "industry_it", Due: h(25), Concluded: h(27), Outcome: "confirmed"},
			{ID: 3, Source: "site-1", Unit: "housing", Due: h(26), Concluded: h(20), Outcome: "dismissed"},
			{ID: 4, Source: "glass-b", Unit: "industry_it", Due: h(55)},
		},
		Consequences: []ComplianceConsequence{{1, "cem-b", "penalty", "approved", "", ""}, {2, "cem-b", "downgrade", "approved", "B", "C"},
			{3, "coat-d", "penalty", "pending", "", ""}, {4, "cem-b", "stop_order", "pending", "", ""}},
		PowerDrops: []PowerDrop{{Source: "cem-b", NameZH: "江华乙水泥", Level: "orange", ObservedPct: 94.2, AskedPct: 100, ObservedKWh: 1200, BaselineKWh: 20700},
			{Source: "cem-c", NameZH: "江华丙水泥", Level: "orange", ObservedPct: 41.5, AskedPct: 100, ObservedKWh: 12100, BaselineKWh: 20700}},
		Accounting: &Accounting{Level: "orange", Inventory: "test-inventory", Rows: []AccountingRow{
			{Pollutant: "so2", AchievedPct: 24.3, RequiredPct: 20, Met: true, TextZH: "二氧化硫减排 24.3%", TextEN: "SO2 cut 24.3 %"},
			{Pollutant: "vocs", AchievedPct: 17.6, RequiredPct: 20, ShortfallPct: 2.4, ShortfallT: 4.36, TextZH: "VOCs 差 2.4 个百分点", TextEN: "VOCs 2.4 points short"}}},
	}
}

func TestComputeCompliance(t *testing.T) {
	c := compliance()
	st := ComputeCompliance(c, time.Date(2026, 12, 5, 12, 0, 0, 0, cst)) // glass-b's inspection is past due
	// Two of six sources broke their measures: 66.7 % carried them out.
	if st.All.Sources != 6 || st.All.Violations != 2 || pct(st.All.Rate) != "66.7" {
		t.Errorf("all: %+v", st.All)
	}
	got := func(rs []RateRow) string {
		var b strings.Builder
		for _, r := range rs {
			b.WriteString(r.Group + ":" + pct(r.Rate) + " ")
		}
		return b.String()
	}
	// B: cem-b broke, glass-b is still being inspected (not a violation yet); D: coat-d broke.
	if g := got(st.ByGrade); g != "A:100.0 B:50.0 D:0.0 —:100.0 " {
		t.Errorf("by grade: %s", g)
	}
	if g := got(st.ByType); g != "dust_construction:100.0 industrial:50.0 mobile_bulk:100.0 " {
		t.Errorf("by type: %s", g)
	}
	if len(st.Offenders) != 4 || st.Offenders[0].ID != "cem-b" || st.Offenders[0].Confirmed != 2 {
		t.Errorf("offenders: %+v", st.Offenders)
	}
	if st.Inspections != (InspectionStats{Total: 4, OnTime: 2, Late: 1, Overdue: 1}) {
		t.Errorf("inspections: %+v", st.Inspections)
	}
	if len(st.ByRule) != 4 || st.ByRule[0] != (RuleRow{Rule: "R1_stop_not_executed", Events: 2, Confirmed: 2}) {
		t.Errorf("by rule: %+v", st.ByRule)
	}
	if len(st.Consequences) != 3 || st.Consequences[1] != (KindRow{Kind: "penalty", Pending: 1, Approved: 1}) {
		t.Errorf("consequences: %+v", st.Consequences)
	}
	// Before glass-b's due time it is open, not overdue.
	if st := ComputeCompliance(c, time.Date(2026, 12, 3, 12, 0, 0, 0, cst)); st.Inspections.Open != 1 || st.Inspections.Overdue != 0 {
		t.Errorf("before the due time: %+v", st.Inspections)
	}
}

func TestReportComplianceGolden(t *testing.T) {
	in := input()
	in.Compliance = compliance()
	h, err := HTML(in)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "episode-compliance.html", h)
	c, err := CSV(in)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "episode-compliance.csv", c)
	for _, want := range []string{"减排措施执行与现场检查", "66.7 %", "R3_night_production", "已超时未办结 Overdue"} {
		if !strings.Contains(string(h), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	// Without a compliance input, the report is as before.
	plain, _ := HTML(input())
	if strings.Contains(string(plain), "减排措施执行") {
		t.Error("a report without compliance has the section")
	}
}

type fakeCompliance struct {
	level    string
	from, to time.Time
}

func (f *fakeCompliance) ComplianceSection(_ context.Context, level string, from, to, now time.Time) (*Compliance, error) {
	f.level, f.from, f.to = level, from, to
	return compliance(), nil
}

// Gather asks the compliance source for the warning's highest level over
// the episode.
func TestGatherCompliance(t *testing.T) {
	plan, err := alert.LoadPlan("../../configs/plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2026, 12, 1, 16, 0, 0, 0, cst)
	lifted := issued.Add(72 * time.Hour)
	w := lifecycle.Warning{ID: 3, Region: "jianghua", LevelID: "yellow", Issued: issued, Lifted: &lifted,
		Transitions: []lifecycle.Transition{{Kind: "issue", ToID: "yellow", At: issued}, {Kind: "upgrade", ToID: "orange", At: issued.Add(24 * time.Hour)},
			{Kind: "downgrade", ToID: "yellow", At: issued.Add(48 * time.Hour)}, {Kind: "lift", ToID: "none", At: lifted}}}
	fc := &fakeCompliance{}
	in, err := Gather(context.Background(), Sources{Plan: plan, Warnings: fakeWarnings{3: w}, History: &fakeHistory{}, Followups: fakeFollowups{},
		Compliance: fc}, 3, lifted.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if fc.level != "orange" || !fc.from.Equal(issued) || !fc.to.Equal(lifted) || in.Compliance == nil {
		t.Errorf("asked for %q %v–%v; section %v", fc.level, fc.from, fc.to, in.Compliance != nil)
	}
}

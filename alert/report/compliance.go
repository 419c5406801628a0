package report

import (
	"bytes"
	"cmp"
	"context"
	"html/template"
	"slices"
	"strconv"
	"time"
)

// The compliance section of the plan-7 report ("应急措施的效果", "各部门的
// 执行"): how many listed sources that had measures carried them out, by
// grade and by type; the engine's findings by rule; the inspections done,
// late and overdue; the consequences proposed. Its input comes through
// ComplianceSource (compliance/inspect.Service), so this package stays a
// pure function of Input.

// ComplianceSource gives the compliance section of an episode: the
// sources that had measures at level (the warning's highest) and what the
// loop found, inspected and proposed for events that began in [from, to].
type ComplianceSource interface {
	ComplianceSection(ctx context.Context, level string, from, to, now time.Time) (*Compliance, error)
}

// Compliance is the compliance section's input.
type Compliance struct {
	Sources      []DutySource
	Events       []ComplianceEvent
	Inspections  []ComplianceInspection
	Consequences []ComplianceConsequence
	// Accounting is the list's expected cut at the episode's highest level
	// against the required shares of the county inventory (nil: no
	// inventory configured).
	Accounting *Accounting
	// PowerDrops are the metered sources' power during the episode
	// against their baselines: the drop observed and the drop asked.
	PowerDrops []PowerDrop
}

// PowerDrop is one source's power drop at one level (percent of its
// baseline energy over the response).
type PowerDrop struct {
	Source, NameZH, Level    string
	ObservedPct, AskedPct    float64
	ObservedKWh, BaselineKWh float64
}

// Accounting is the reduction accounting of one level.
type Accounting struct {
	Level, Inventory string
	Met              bool
	Rows             []AccountingRow
}

// AccountingRow is one pollutant: achieved and required shares (%), the
// shortfall in points and t/a, and what it means in words.
type AccountingRow struct {
	Pollutant                string
	AchievedPct, RequiredPct float64
	Met                      bool
	ShortfallPct, ShortfallT float64
	TextZH, TextEN           string
}

// DutySource is a listed source that had measures during the episode.
type DutySource struct {
	ID, NameZH, Type, Grade string // Grade: "" for ungraded (dust, transport)
}

// ComplianceEvent is one finding of the engine.
type ComplianceEvent struct {
	ID, Source, Rule, State string
	Start, End              time.Time
}

// ComplianceInspection is one inspection of the episode's events.
type ComplianceInspection struct {
	ID             int64
	Source, Unit   string
	Due, Concluded time.Time // Concluded zero while open
	Outcome        string    // confirmed | dismissed | "" open
}

// ComplianceConsequence is one proposal a confirmed case made.
type ComplianceConsequence struct {
	ID                 int64
	Source, Kind       string
	Status             string
	FromGrade, ToGrade string
}

// RateRow is the compliance of a group of sources: those with measures,
// those with a confirmed violation, and the share that carried them out.
type RateRow struct {
	Group               string
	Sources, Violations int
	Rate                float64 // percent
}

// RuleRow counts a rule's events by where they stand.
type RuleRow struct {
	Rule                               string
	Events, Open, Confirmed, Dismissed int
}

// InspectionStats count the inspections: concluded in time, concluded
// late, open within time, open overdue.
type InspectionStats struct {
	Total, OnTime, Late, Open, Overdue int
}

// KindRow counts one consequence kind by status.
type KindRow struct {
	Kind                        string
	Pending, Approved, Rejected int
}

// ComplianceStats are the section's figures.
type ComplianceStats struct {
	All          RateRow
	ByGrade      []RateRow
	ByType       []RateRow
	Offenders    []SourceRow
	ByRule       []RuleRow
	Inspections  InspectionStats
	Consequences []KindRow
	Accounting   *Accounting
	PowerDrops   []PowerDrop
}

// SourceRow is a source with findings: its events and confirmed ones.
type SourceRow struct {
	ID, NameZH, Type, Grade string
	Events, Confirmed       int
}

// ComputeCompliance derives the section's figures at now.
func ComputeCompliance(c *Compliance, now time.Time) ComplianceStats {
	var st ComplianceStats
	violated := map[string]bool{}
	events := map[string][2]int{}
	for _, e := range c.Events {
		n := events[e.Source]
		n[0]++
		if e.State == "confirmed" {
			n[1]++
			violated[e.Source] = true
		}
		events[e.Source] = n
	}
	grades, types := map[string]*RateRow{}, map[string]*RateRow{}
	count := func(r *RateRow, v bool) {
		r.Sources++
		if v {
			r.Violations++
		}
	}
	rateRow := func(k string) *RateRow { return &RateRow{Group: k} }
	st.All.Group = "all"
	for _, s := range c.Sources {
		v := violated[s.ID]
		count(&st.All, v)
		count(row(grades, cmp.Or(s.Grade, "—"), rateRow), v)
		count(row(types, s.Type, rateRow), v)
		if n := events[s.ID]; n[0] > 0 {
			st.Offenders = append(st.Offenders, SourceRow{ID: s.ID, NameZH: s.NameZH, Type: s.Type, Grade: s.Grade, Events: n[0], Confirmed: n[1]})
		}
	}
	rate := func(r *RateRow) {
		if r.Sources > 0 {
			r.Rate = 100 * float64(r.Sources-r.Violations) / float64(r.Sources)
		}
	}
	rate(&st.All)
	st.ByGrade, st.ByType = rows(grades, rate), rows(types, rate)
	slices.SortFunc(st.Offenders, func(a, b SourceRow) int {
		return cmp.Or(b.Confirmed-a.Confirmed, b.Events-a.Events, cmp.Compare(a.ID, b.ID))
	})

	rules := map[string]*RuleRow{}
	for _, e := range c.Events {
		r := row(rules, e.Rule, func(k string) *RuleRow { return &RuleRow{Rule: k} })
		r.Events++
		switch e.State {
		case "confirmed":
			r.Confirmed++
		case "dismissed":
			r.Dismissed++
		default:
			r.Open++
		}
	}
	st.ByRule = rows(rules, func(*RuleRow) {})

	for _, in := range c.Inspections {
		st.Inspections.Total++
		switch {
		case !in.Concluded.IsZero() && in.Concluded.After(in.Due):
			st.Inspections.Late++
		case !in.Concluded.IsZero():
			st.Inspections.OnTime++
		case now.After(in.Due):
			st.Inspections.Overdue++
		default:
			st.Inspections.Open++
		}
	}
	kinds := map[string]*KindRow{}
	for _, q := range c.Consequences {
		k := row(kinds, q.Kind, func(k string) *KindRow { return &KindRow{Kind: k} })
		switch q.Status {
		case "approved":
			k.Approved++
		case "rejected":
			k.Rejected++
		default:
			k.Pending++
		}
	}
	st.Consequences = rows(kinds, func(*KindRow) {})
	st.PowerDrops = c.PowerDrops
	st.Accounting = c.Accounting
	return st
}

// row is m's row of key k, made by mk the first time k comes.
func row[T any](m map[string]*T, k string, mk func(k string) *T) *T {
	r := m[k]
	if r == nil {
		r = mk(k)
		m[k] = r
	}
	return r
}

// rows are a map's values ordered by key, each finished by fin.
func rows[T any](m map[string]*T, fin func(*T)) []T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]T, 0, len(keys))
	for _, k := range keys {
		fin(m[k])
		out = append(out, *m[k])
	}
	return out
}

func pct(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

var complianceSection = template.Must(template.New("compliance").Funcs(template.FuncMap{"clock": clock, "pct": pct, "minus": func(a, b float64) float64 { return a - b }}).Parse(`
<h2>减排措施执行与现场检查 / Compliance with the reduction list</h2>
<p>有减排措施的清单源 Sources with measures: {{.All.Sources}} · 经检查认定违规 Confirmed violations: {{.All.Violations}} ·
执行率 Compliance rate: <strong>{{pct .All.Rate}} %</strong></p>
<table><tr><th>绩效等级 Grade</th><th>源 Sources</th><th>违规 Violations</th><th>执行率 Rate (%)</th></tr>
{{range .ByGrade}}<tr><td>{{.Group}}</td><td>{{.Sources}}</td><td>{{.Violations}}</td><td>{{pct .Rate}}</td></tr>
{{end}}</table>
<table><tr><th>类型 Type</th><th>源 Sources</th><th>违规 Violations</th><th>执行率 Rate (%)</th></tr>
{{range .ByType}}<tr><td>{{.Group}}</td><td>{{.Sources}}</td><td>{{.Violations}}</td><td>{{pct .Rate}}</td></tr>
{{end}}</table>
<h3>发现问题的企业 / Sources with findings</h3>
{{if .Offenders}}<table><tr><th>企业 Source</th><th>类型 Type</th><th>等级 Grade</th><th>发现 Findings</th><th>属实 Confirmed</th></tr>
{{range .Offenders}}<tr{{if .Confirmed}} class="late"{{end}}><td>{{.NameZH}} ({{.ID}})</td><td>{{.Type}}</td><td>{{.Grade}}</td><td>{{.Events}}</td><td>{{.Confirmed}}</td></tr>
{{end}}</table>{{else}}<p>无 None.</p>{{end}}
<h3>用电监控发现（按规则） / Findings by rule</h3>
{{if .ByRule}}<table><tr><th>规则 Rule</th><th>发现 Findings</th><th>待查/核查中 Open</th><th>属实 Confirmed</th><th>不属实 Dismissed</th></tr>
{{range .ByRule}}<tr><td>{{.Rule}}</td><td>{{.Events}}</td><td>{{.Open}}</td><td>{{.Confirmed}}</td><td>{{.Dismissed}}</td></tr>
{{end}}</table>{{else}}<p>无 None.</p>{{end}}
<h3>现场检查 / Inspections</h3>
<table><tr><th>任务 Tasks</th><td>{{.Inspections.Total}}</td><th>按时办结 Concluded in time</th><td>{{.Inspections.OnTime}}</td>
<th>超时办结 Concluded late</th><td>{{.Inspections.Late}}</td><th>办理中 Open</th><td>{{.Inspections.Open}}</td>
<th>已超时未办结 Overdue</th><td{{if .Inspections.Overdue}} class="late"{{end}}>{{.Inspections.Overdue}}</td></tr></table>
<h3>处理建议 / Consequences</h3>
{{if .Consequences}}<table><tr><th>类别 Kind</th><th>待审批 Pending</th><th>已批准 Approved</th><th>已驳回 Rejected</th></tr>
{{range .Consequences}}<tr><td>{{.Kind}}</td><td>{{.Pending}}</td><td>{{.Approved}}</td><td>{{.Rejected}}</td></tr>
{{end}}</table>{{else}}<p>无 None.</p>{{end}}
{{if .PowerDrops}}<h3>用电量下降：实际与要求 / Power drop observed vs asked</h3>
<p>受管控生产单元在响应期间（宽限期后）的用电量，与其基线（前 28 个正常日同时段中位数）相比 / The metered units under measures during the response (after the grace), against their baseline (the median of the same quarter hours over the 28 normal days before)</p>
<table><tr><th>企业 Source</th><th>级别 Level</th><th>实际下降 Observed %</th><th>要求下降 Asked %</th><th>用电 kWh（基线）Drawn (baseline)</th></tr>
{{range .PowerDrops}}<tr><td>{{.NameZH}} ({{.Source}})</td><td>{{.Level}}</td><td{{if lt .ObservedPct (minus .AskedPct 10)}} class="late"{{end}}>{{printf "%.1f" .ObservedPct}}</td><td>{{printf "%.0f" .AskedPct}}</td><td>{{printf "%.0f" .ObservedKWh}} ({{printf "%.0f" .BaselineKWh}})</td></tr>
{{end}}</table>{{end}}
{{with .Accounting}}<h3>减排量核算 / Reduction accounting ({{.Level}})</h3>
<p>清单预期减排量占全县排放清单（{{.Inventory}}）的比例 / The list's expected cut as a share of the county inventory{{if .Met}}：达到要求 / met{{else}}：<strong>未达到要求 / not met</strong>{{end}}</p>
<table><tr><th>污染物 Pollutant</th><th>预期 Achieved %</th><th>要求 Required %</th><th>差距 Shortfall</th><th>说明 Note</th></tr>
{{range .Rows}}<tr><td>{{.Pollutant}}</td><td>{{printf "%.1f" .AchievedPct}}</td><td>{{printf "%.0f" .RequiredPct}}</td><td{{if not .Met}} class="late"{{end}}>{{if .Met}}—{{else}}{{printf "%.1f" .ShortfallPct}} pt / {{printf "%.1f" .ShortfallT}} t/a{{end}}</td><td>{{.TextZH}}<br>{{.TextEN}}</td></tr>
{{end}}</table>{{end}}
`))

// complianceHTML renders the section ("" without a compliance input).
func complianceHTML(in Input) (template.HTML, error) {
	if in.Compliance == nil {
		return "", nil
	}
	var b bytes.Buffer
	if err := complianceSection.Execute(&b, ComputeCompliance(in.Compliance, in.GeneratedAt)); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// complianceCSV is the section's rows of the CSV.
func complianceCSV(in Input, write func([]string)) {
	if in.Compliance == nil {
		return
	}
	st := ComputeCompliance(in.Compliance, in.GeneratedAt)
	at := clock(in.GeneratedAt)
	rate := func(kind string, r RateRow) {
		write([]string{"compliance", at, "", "", kind + ":" + r.Group, pct(r.Rate), strconv.Itoa(r.Sources-r.Violations) + "/" + strconv.Itoa(r.Sources)})
	}
	rate("rate", st.All)
	for _, r := range st.ByGrade {
		rate("rate_grade", r)
	}
	for _, r := range st.ByType {
		rate("rate_type", r)
	}
	for _, s := range st.Offenders {
		write([]string{"compliance", at, "", s.ID, "source_findings", strconv.Itoa(s.Confirmed), strconv.Itoa(s.Events) + " findings"})
	}
	for _, r := range st.ByRule {
		write([]string{"compliance", at, "", "", "rule:" + r.Rule, strconv.Itoa(r.Events),
			"open " + strconv.Itoa(r.Open) + ", confirmed " + strconv.Itoa(r.Confirmed) + ", dismissed " + strconv.Itoa(r.Dismissed)})
	}
	for _, d := range st.PowerDrops {
		write([]string{"compliance", at, "", d.Source, "power_drop:" + d.Level, pct(d.ObservedPct), "asked " + pct(d.AskedPct) + " %; " +
			strconv.FormatFloat(d.ObservedKWh, 'f', 0, 64) + " of " + strconv.FormatFloat(d.BaselineKWh, 'f', 0, 64) + " kWh"})
	}
	if a := st.Accounting; a != nil {
		for _, r := range a.Rows {
			write([]string{"compliance", at, "", "", "accounting:" + a.Level + ":" + r.Pollutant, pct(r.AchievedPct),
				"required " + pct(r.RequiredPct) + " %; " + r.TextEN})
		}
	}
	i := st.Inspections
	for _, kv := range []struct {
		k string
		v int
	}{{"inspections", i.Total}, {"inspections_on_time", i.OnTime}, {"inspections_late", i.Late}, {"inspections_open", i.Open}, {"inspections_overdue", i.Overdue}} {
		write([]string{"compliance", at, "", "", kv.k, strconv.Itoa(kv.v), ""})
	}
	for _, k := range st.Consequences {
		write([]string{"compliance", at, "", "", "consequence:" + k.Kind, strconv.Itoa(k.Pending + k.Approved + k.Rejected),
			"pending " + strconv.Itoa(k.Pending) + ", approved " + strconv.Itoa(k.Approved) + ", rejected " + strconv.Itoa(k.Rejected)})
	}
}

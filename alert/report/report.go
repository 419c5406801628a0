// Package report writes the episode report of plan 7 — AQI timeline per
// region (an inline SVG chart), the warning timeline, forecast against
// observed, acknowledgement and completion statistics and the late units —
// as printable HTML and as CSV. Both are pure functions of Input: the same
// input gives the same bytes.
package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/internal/csvsafe"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/followup"
)

var cst = alert.CST

// Point is one hour of a region's series. Forecast is 0 when there was none.
type Point struct {
	T        time.Time
	AQI      int
	Forecast int
}

// Series is one region's AQI timeline.
type Series struct {
	Region string
	NameZH string
	NameEN string
	Points []Point
}

// Step is one published transition of the warning.
type Step struct {
	At      time.Time
	Kind    string // issue | upgrade | downgrade | lift
	Region  string
	LevelID string
	LevelZH string
	LevelEN string
	Color   string
}

// DayForecast is the forecast daily AQI of a region for a day (Beijing
// time), as known before the day began.
type DayForecast struct {
	Region string
	Day    string // 2006-01-02
	AQI    int
	Source string
}

// UnitName names a member unit.
type UnitName struct {
	ID, NameZH, NameEN string
}

// Input is everything the report shows.
type Input struct {
	Title       string // e.g. the plan's name
	EpisodeID   string
	Start, End  time.Time // the episode (the warning's issue to lift)
	GeneratedAt time.Time // "now" for lateness
	Series      []Series
	Forecasts   []DayForecast
	Steps       []Step
	Units       []UnitName
	Notices     []followup.Notice
	Tasks       []followup.TaskState
	// Compliance is the listed sources' compliance (compliance.go); nil:
	// no such section.
	Compliance *Compliance
}

// Stats are the acknowledgement and completion figures.
type Stats struct {
	Notices, Acked, Escalated int
	MedianAck                 time.Duration
	TasksByState              map[string]int
	Late                      []LateUnit
}

// LateUnit is a unit that did not answer in time or missed a deadline.
type LateUnit struct {
	Unit   string
	NameZH string
	NameEN string
	What   string // "ack" or the task id
	Due    time.Time
}

func (in Input) unitName(id string) UnitName {
	for _, u := range in.Units {
		if u.ID == id {
			return u
		}
	}
	return UnitName{ID: id, NameZH: id, NameEN: id}
}

// Compute derives the statistics.
func Compute(in Input) Stats {
	s := Stats{TasksByState: map[string]int{}}
	var delays []time.Duration
	for _, n := range in.Notices {
		s.Notices++
		if !n.AckedAt.IsZero() {
			s.Acked++
			delays = append(delays, n.AckedAt.Sub(n.Sent))
		}
		if !n.Escalated.IsZero() {
			s.Escalated++
			u := in.unitName(n.Unit)
			s.Late = append(s.Late, LateUnit{Unit: n.Unit, NameZH: u.NameZH, NameEN: u.NameEN, What: "ack", Due: n.Escalated})
		}
	}
	if len(delays) > 0 {
		slices.Sort(delays)
		s.MedianAck = delays[len(delays)/2]
	}
	for _, t := range in.Tasks {
		s.TasksByState[t.State]++
		if t.Late(in.GeneratedAt) {
			u := in.unitName(t.Unit)
			s.Late = append(s.Late, LateUnit{Unit: t.Unit, NameZH: u.NameZH, NameEN: u.NameEN, What: t.Task, Due: t.Due})
		}
	}
	sort.SliceStable(s.Late, func(i, j int) bool {
		if s.Late[i].Unit != s.Late[j].Unit {
			return s.Late[i].Unit < s.Late[j].Unit
		}
		return s.Late[i].What < s.Late[j].What
	})
	return s
}

// DayRow compares one region's day: observed and forecast maximum AQI.
type DayRow struct {
	Region      string
	Day         string
	ObservedMax int
	ForecastMax int
	Hours       int
}

// Days groups each series by day (Beijing time).
func Days(in Input) []DayRow {
	var out []DayRow
	for _, s := range in.Series {
		idx := map[string]int{}
		for _, p := range s.Points {
			d := p.T.In(cst).Format("2006-01-02")
			i, ok := idx[d]
			if !ok {
				out = append(out, DayRow{Region: s.NameZH, Day: d})
				i = len(out) - 1
				idx[d] = i
			}
			r := &out[i]
			r.ObservedMax = max(r.ObservedMax, p.AQI)
			r.ForecastMax = max(r.ForecastMax, p.Forecast)
			r.Hours++
		}
		for _, f := range in.Forecasts {
			if i, ok := idx[f.Day]; ok && f.Region == s.Region {
				out[i].ForecastMax = max(out[i].ForecastMax, f.AQI)
			}
		}
	}
	return out
}

// palette draws one region after another.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"}

// aqiBands are the HJ 633 categories behind the chart.
var aqiBands = []struct {
	lo, hi int
	color  string
}{{0, 50, "#e6f6e6"}, {50, 100, "#fbf7d9"}, {100, 150, "#fdebd6"}, {150, 200, "#fbdcdc"}, {200, 300, "#eedcf0"}, {300, 500, "#ecd9dd"}}

// Chart returns the inline SVG of the AQI timeline.
func Chart(in Input) template.HTML {
	const w, h, left, right, top, bottom = 900.0, 320.0, 48.0, 12.0, 12.0, 36.0
	from, to := in.Start, in.End
	for _, s := range in.Series {
		for _, p := range s.Points {
			if from.IsZero() || p.T.Before(from) {
				from = p.T
			}
			if p.T.After(to) {
				to = p.T
			}
		}
	}
	if !to.After(from) {
		to = from.Add(time.Hour)
	}
	ymax := 300
	for _, s := range in.Series {
		for _, p := range s.Points {
			ymax = max(ymax, p.AQI, p.Forecast)
		}
	}
	ymax = int(math.Ceil(float64(ymax)/50) * 50)
	x := func(t time.Time) float64 {
		return left + (w-left-right)*float64(t.Sub(from))/float64(to.Sub(from))
	}
	y := func(v int) float64 { return top + (h-top-bottom)*(1-float64(v)/float64(ymax)) }
	var b strings.Builder
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="100%%" role="img" aria-label="AQI timeline">`, f(w), f(h))
	for _, band := range aqiBands {
		if band.lo >= ymax {
			break
		}
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, f(left), f(y(min(band.hi, ymax))),
			f(w-left-right), f(y(band.lo)-y(min(band.hi, ymax))), band.color)
	}
	for v := 0; v <= ymax; v += 50 {
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#ccc" stroke-width="0.5"/><text x="%s" y="%s" font-size="10" text-anchor="end">%d</text>`,
			f(left), f(w-right), f(y(v)), f(y(v)), f(left-4), f(y(v)+3), v)
	}
	// Day ticks.
	day := time.Date(from.In(cst).Year(), from.In(cst).Month(), from.In(cst).Day(), 0, 0, 0, 0, cst)
	for ; !day.After(to); day = day.AddDate(0, 0, 1) {
		if day.Before(from) {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#999" stroke-width="0.5"/><text x="%s" y="%s" font-size="10" text-anchor="middle">%s</text>`,
			f(x(day)), f(x(day)), f(top), f(h-bottom), f(x(day)), f(h-bottom+14), day.Format("01-02"))
	}
	// Warning steps.
	for i, st := range in.Steps {
		color := st.Color
		if color == "" || st.Kind == "lift" {
			color = "#333"
		}
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="4 2"/><text x="%s" y="%s" font-size="10">%s</text>`,
			f(x(st.At)), f(x(st.At)), f(top), f(h-bottom), template.HTMLEscapeString(color), f(x(st.At)+3), f(top+10+float64(i%4)*11),
			template.HTMLEscapeString(stepLabel(st)))
	}
	for i, s := range in.Series {
		color := palette[i%len(palette)]
		var obs, fc []string
		for _, p := range s.Points {
			obs = append(obs, f(x(p.T))+","+f(y(p.AQI)))
			if p.Forecast > 0 {
				fc = append(fc, f(x(p.T))+","+f(y(p.Forecast)))
			}
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`, color, strings.Join(obs, " "))
		if len(fc) > 1 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1" stroke-dasharray="2 2" points="%s"/>`, color, strings.Join(fc, " "))
		}
		for _, df := range in.Forecasts {
			d, err := time.ParseInLocation("2006-01-02", df.Day, cst)
			if df.Region != s.Region || err != nil || d.Before(from.Add(-24*time.Hour)) || d.After(to) {
				continue
			}
			x0, x1 := x(slices.MaxFunc([]time.Time{d, from}, time.Time.Compare)), x(slices.MinFunc([]time.Time{d.Add(24 * time.Hour), to}, time.Time.Compare))
			fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 3" opacity="0.8"/>`,
				f(x0), f(x1), f(y(df.AQI)), f(y(df.AQI)), color)
		}
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="10" height="3" fill="%s"/><text x="%s" y="%s" font-size="10">%s</text>`,
			f(left+8+float64(i)*130), f(h-10), color, f(left+22+float64(i)*130), f(h-6), template.HTMLEscapeString(s.NameZH+" "+s.NameEN))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// stepVerbs are the Chinese words of the warning steps that carry a level.
var stepVerbs = map[string]string{"issue": "发布", "upgrade": "升级", "downgrade": "降级", "extend": "延续", "pause": "暂停", "resume": "恢复"}

func stepLabel(s Step) string {
	if s.Kind == "lift" {
		return "解除 lift"
	}
	if v, ok := stepVerbs[s.Kind]; ok {
		return v + " " + s.LevelZH
	}
	return s.Kind + " " + s.LevelZH
}

func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(cst).Format("2006-01-02 15:04")
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{"clock": clock,
	"minutes": func(d time.Duration) string { return strconv.FormatFloat(d.Minutes(), 'f', 0, 64) }}).Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{.In.Title}} — 重污染天气过程总结 / Episode report {{.In.EpisodeID}}</title>
<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left}
th{background:#eee}.late{color:#b00;font-weight:bold}.muted{color:#666}
@media print{body{margin:1cm}h2{page-break-after:avoid}table,svg{page-break-inside:avoid}}
</style>
</head>
<body>
<h1>{{.In.Title}}<br>重污染天气过程总结 / Heavy-pollution episode report</h1>
<p>过程 Episode: {{.In.EpisodeID}} · {{clock .In.Start}} — {{clock .In.End}} (UTC+8) · <span class="muted">生成 Generated {{clock .In.GeneratedAt}}</span></p>

<h2>AQI 时间线 / AQI timeline</h2>
{{.Chart}}
<p class="muted">实线：实测小时AQI；虚线：预报（长虚线为日AQI预报）；竖线：预警发布、变更与解除。Solid: observed hourly AQI; dotted: forecast (long dashes: daily AQI forecast); vertical lines: warning steps.</p>

<h2>预警过程 / Warning timeline</h2>
<table><tr><th>时间 Time</th><th>区域 Region</th><th>操作 Action</th><th>级别 Level</th></tr>
{{range .In.Steps}}<tr><td>{{clock .At}}</td><td>{{.Region}}</td><td>{{.Kind}}</td><td>{{.LevelZH}} {{.LevelEN}}</td></tr>
{{end}}</table>

<h2>预报与实测 / Forecast vs observed (daily maximum AQI)</h2>
<table><tr><th>区域 Region</th><th>日期 Day</th><th>实测最大 Observed max</th><th>预报最大 Forecast max</th><th>小时数 Hours</th></tr>
{{range .Days}}<tr><td>{{.Region}}</td><td>{{.Day}}</td><td>{{.ObservedMax}}</td><td>{{if .ForecastMax}}{{.ForecastMax}}{{else}}—{{end}}</td><td>{{.Hours}}</td></tr>
{{end}}</table>

<h2>叫应与任务完成 / Acknowledgement and completion</h2>
<table>
<tr><th>通知 Notices</th><td>{{.Stats.Notices}}</td><th>已叫应 Acknowledged</th><td>{{.Stats.Acked}}</td><th>升级督办 Escalated</th><td>{{.Stats.Escalated}}</td><th>叫应时长中位数 Median time to acknowledge</th><td>{{minutes .Stats.MedianAck}} min</td></tr>
</table>
<table><tr><th>任务状态 Task state</th><th>数量 Count</th></tr>
{{range $k, $v := .Stats.TasksByState}}<tr><td>{{$k}}</td><td>{{$v}}</td></tr>
{{end}}</table>

<h2>逾期单位 / Late units</h2>
{{if .Stats.Late}}<table><tr><th>单位 Unit</th><th>事项 Item</th><th>时限 Due</th></tr>
{{range .Stats.Late}}<tr class="late"><td>{{.NameZH}} {{.NameEN}}</td><td>{{if eq .What "ack"}}未叫应 no acknowledgement{{else}}{{.What}}{{end}}</td><td>{{clock .Due}}</td></tr>
{{end}}</table>{{else}}<p>无 None.</p>{{end}}
{{.Compliance}}
<h2>任务明细 / Tasks</h2>
<table><tr><th>单位 Unit</th><th>任务 Task</th><th>状态 State</th><th>时限 Due</th><th>更新 Updated</th><th>说明 Note</th></tr>
{{range .In.Tasks}}<tr><td>{{.Unit}}</td><td>{{.TextZH}}</td><td>{{.State}}</td><td>{{clock .Due}}</td><td>{{clock .Updated}}</td><td>{{.Note}}</td></tr>
{{end}}</table>
</body>
</html>
`))

// HTML renders the printable report.
func HTML(in Input) ([]byte, error) {
	comp, err := complianceHTML(in)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var b bytes.Buffer
	err = page.Execute(&b, struct {
		In         Input
		Chart      template.HTML
		Days       []DayRow
		Stats      Stats
		Compliance template.HTML
	}{in, Chart(in), Days(in), Compute(in), comp})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return b.Bytes(), nil
}

// CSV renders the report's data in one long table:
// section,time,region,unit,item,value,detail.
func CSV(in Input) ([]byte, error) {
	var b bytes.Buffer
	w := csvsafe.Writer{Writer: csv.NewWriter(&b)} // no cell runs as a formula (audit L2)
	w.Write([]string{"section", "time", "region", "unit", "item", "value", "detail"})
	for _, s := range in.Series {
		for _, p := range s.Points {
			w.Write([]string{"aqi", clock(p.T), s.Region, "", "observed", strconv.Itoa(p.AQI), ""})
			if p.Forecast > 0 {
				w.Write([]string{"aqi", clock(p.T), s.Region, "", "forecast", strconv.Itoa(p.Forecast), ""})
			}
		}
	}
	for _, st := range in.Steps {
		w.Write([]string{"warning", clock(st.At), st.Region, "", st.Kind, st.LevelID, st.LevelEN})
	}
	for _, d := range Days(in) {
		w.Write([]string{"day", d.Day, d.Region, "", "observed_max/forecast_max", strconv.Itoa(d.ObservedMax), strconv.Itoa(d.ForecastMax)})
	}
	for _, n := range in.Notices {
		delay := ""
		if !n.AckedAt.IsZero() {
			delay = strconv.FormatFloat(n.AckedAt.Sub(n.Sent).Minutes(), 'f', 0, 64)
		}
		w.Write([]string{"ack", clock(n.Sent), "", n.Unit, n.Transition, clock(n.AckedAt), delay})
	}
	for _, t := range in.Tasks {
		late := ""
		if t.Late(in.GeneratedAt) {
			late = "late"
		}
		w.Write([]string{"task", clock(t.Updated), "", t.Unit, t.Task, t.State, strings.TrimSpace(late + " " + t.Note)})
	}
	complianceCSV(in, func(row []string) { w.Write(row) })
	st := Compute(in)
	w.Write([]string{"stats", clock(in.GeneratedAt), "", "", "notices", strconv.Itoa(st.Notices), ""})
	w.Write([]string{"stats", clock(in.GeneratedAt), "", "", "acknowledged", strconv.Itoa(st.Acked), ""})
	w.Write([]string{"stats", clock(in.GeneratedAt), "", "", "escalated", strconv.Itoa(st.Escalated), ""})
	for _, l := range st.Late {
		w.Write([]string{"late", clock(l.Due), "", l.Unit, l.What, "", ""})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

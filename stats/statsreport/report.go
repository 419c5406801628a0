package statsreport

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/internal/csvsafe"
	"github.com/aqwarn/aqwarn/stats"
)

// Report kinds.
const (
	Monthly = "monthly"
	Annual  = "annual"
)

// Input is everything one report shows.
type Input struct {
	Kind             string // Monthly or Annual
	TitleZH, TitleEN string // the issuer (the county's command office, the plan's name)
	Scope            stats.Scope
	ScopeZH, ScopeEN string
	Period           stats.Period
	// AsOf is the last complete day counted ("" none): a report of a
	// period not yet over says so.
	AsOf        string
	GeneratedAt time.Time
	Summary     stats.Summary
	LastYear    *stats.Comparison // nil: no data of last year
	Days        []stats.Day       // the period's complete days
	Months      []stats.Summary   // an annual report's months (nil for a monthly one)
	Targets     []stats.Progress
	// Illustrative marks targets made up for a demonstration; TargetsNote
	// says how they were applied (the demo's year).
	Illustrative bool
	TargetsNote  string
	Warnings     []Warning
	Heavy        []HeavyDay
}

func (in Input) kindText() (zh, en string) {
	if in.Kind == Annual {
		return "环境空气质量年报", "Annual air-quality report"
	}
	return "环境空气质量月报", "Monthly air-quality report"
}

var cst = aqi.CST

func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(cst).Format("2006-01-02 15:04")
}

func num(v *float64, decimals int) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', decimals, 64)
}

func signed(v *float64, decimals int) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%+.*f", decimals, *v)
}

func decimalsOf(t aqi.Term) int {
	if t == aqi.TermCO {
		return 2
	}
	return 1
}

// pollutantRow is one of the six pollutants in the report.
type pollutantRow struct {
	Term       aqi.Term
	Label      string
	Stat       stats.PollutantStat
	Change     stats.Change
	HasChange  bool
	Decimals   int
	ValidText  string
	Percentile string
}

func (in Input) pollutants() []pollutantRow {
	var out []pollutantRow
	for _, t := range stats.Indicators {
		st := *in.Summary.Pollutants.Of(t)
		r := pollutantRow{Term: t, Label: t.Label(), Stat: st, Decimals: decimalsOf(t), ValidText: "有效 valid",
			Percentile: "P" + strconv.FormatFloat(st.Percentile, 'f', -1, 64)}
		if t == aqi.TermO3_8h {
			r.Label = "O3 (8h)"
		}
		if !st.Valid {
			r.ValidText = "无效 not valid: " + strings.Join(st.Invalid, "; ")
		}
		if in.LastYear != nil {
			r.Change, r.HasChange = *in.LastYear.Means.Of(t), true
		}
		out = append(out, r)
	}
	return out
}

// categoryRow is one category with its count and colour.
type categoryRow struct {
	Band
	Days  int
	Ratio *float64
}

func (in Input) categories() []categoryRow {
	var out []categoryRow
	for _, b := range Bands() {
		c := in.Summary.Categories.Level(b.Level)
		out = append(out, categoryRow{Band: b, Days: c.Days, Ratio: c.RatioPct})
	}
	return out
}

// statusText names a target's status.
func statusText(s stats.Status) string {
	return map[stats.Status]string{stats.OnTrack: "达标进度正常 on track", stats.AtRisk: "有风险 at risk",
		stats.OutOfReach: "无法实现 out of reach", stats.Unknown: "无法评估 unknown"}[s]
}

// svgCategories is the period's valid days as one bar split by category,
// in the official colours.
func (in Input) svgCategories() template.HTML {
	const w, h = 720.0, 28.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="100%%" role="img" aria-label="day categories">`, w, h+18)
	total := in.Summary.ValidDays
	x := 0.0
	for _, c := range in.categories() {
		if total == 0 || c.Days == 0 {
			continue
		}
		cw := w * float64(c.Days) / float64(total)
		fmt.Fprintf(&b, `<rect x="%.1f" y="0" width="%.1f" height="%g" fill="%s" stroke="#444" stroke-width=".5"><title>%s %s: %d</title></rect>`,
			x, cw, h, c.Color, template.HTMLEscapeString(c.CategoryZH), template.HTMLEscapeString(c.CategoryEN), c.Days)
		if cw > 18 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%g" font-size="11" text-anchor="middle">%d</text>`, x+cw/2, h+14, c.Days)
		}
		x += cw
	}
	if total == 0 {
		fmt.Fprintf(&b, `<text x="4" y="18" font-size="12">无有效日 no valid day</text>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// svgDays is the daily AQI of the period as bars in the colour of each
// day's category (grey: not valid); 100 and 200 are marked.
func (in Input) svgDays() template.HTML {
	const w, h, left, bottom = 760.0, 220.0, 34.0, 20.0
	days := in.Period.Days()
	if days == 0 {
		return ""
	}
	top := 300.0
	for _, d := range in.Days {
		if !d.Result.NA && float64(d.Result.AQI) > top {
			top = 500
		}
	}
	plotW, plotH := w-left-4, h-bottom-6
	y := func(a float64) float64 { return 6 + plotH*(1-a/top) }
	bw := plotW / float64(days)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="100%%" role="img" aria-label="daily AQI">`, w, h)
	for _, a := range []float64{0, 100, 200, 300} {
		if a > top {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#999" stroke-width=".5"%s/><text x="%g" y="%.1f" font-size="10" text-anchor="end">%g</text>`,
			left, w-4, y(a), y(a), map[bool]string{true: ` stroke-dasharray="3 2"`}[a == 100 || a == 200], left-3, y(a)+3, a)
	}
	for _, d := range in.Days {
		i := int(d.Date.Sub(in.Period.From) / (24 * time.Hour))
		if i < 0 || i >= days || d.Result.NA {
			continue
		}
		color := aqi.CategoryOf(d.Result.Level).Color
		if !d.Valid() {
			color = "#bbbbbb"
		}
		x := left + float64(i)*bw
		fmt.Fprintf(&b, `<rect x="%.2f" y="%.1f" width="%.2f" height="%.1f" fill="%s"><title>%s AQI %d</title></rect>`,
			x, y(float64(d.Result.AQI)), max(bw-0.4, 0.6), y(0)-y(float64(d.Result.AQI)), color, d.Date.In(cst).Format(time.DateOnly), d.Result.AQI)
	}
	// Month (annual) or week (monthly) ticks.
	for i := 0; i < days; i++ {
		d := in.Period.From.AddDate(0, 0, i)
		label := ""
		switch {
		case in.Kind == Annual && d.Day() == 1:
			label = d.Format("1月")
		case in.Kind != Annual && (i == 0 || (i >= 3 && d.Weekday() == time.Monday)):
			label = d.Format("01-02")
		}
		if label != "" {
			fmt.Fprintf(&b, `<text x="%.1f" y="%g" font-size="10">%s</text>`, left+float64(i)*bw, h-6, label)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

var page = template.Must(template.New("stats").Funcs(template.FuncMap{
	"clock": clock, "num": num, "signed": signed, "status": statusText,
	"levels": func(w Warning) string {
		var parts []string
		for _, l := range w.Levels {
			parts = append(parts, l.NameZH+" "+l.NameEN)
		}
		return strings.Join(parts, " → ")
	},
	"primary": func(t aqi.TermSet) string {
		var parts []string
		for x := range t.All() {
			parts = append(parts, x.Label())
		}
		if len(parts) == 0 {
			return "—"
		}
		return strings.Join(parts, ", ")
	},
}).Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{.KindZH}} {{.In.Period.Label}} — {{.In.ScopeZH}} / {{.KindEN}}</title>
<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left}
th{background:#eee}td.n{text-align:right}.muted{color:#666}.bad{color:#b00;font-weight:bold}.swatch{display:inline-block;width:1em;height:1em;border:1px solid #444;vertical-align:middle}
.headline td{font-size:1.1em}
@media print{body{margin:1cm}h2{page-break-after:avoid}table,svg{page-break-inside:avoid}}
</style>
</head>
<body>
<h1>{{.In.TitleZH}}<br>{{.KindZH}} / {{.KindEN}} · {{.In.Period.Label}}</h1>
<p>{{.In.ScopeZH}} {{.In.ScopeEN}} · {{.In.Period.From.Format "2006-01-02"}} — {{.Last}}{{if .Partial}} · <span class="bad">统计至 counted to {{if .In.AsOf}}{{.In.AsOf}}{{else}}—{{end}}（期间未结束 period not over）</span>{{end}} · <span class="muted">生成 Generated {{clock .In.GeneratedAt}} (UTC+8)</span></p>

<h2>一、主要指标 / Headline figures</h2>
<table class="headline">
<tr><th>统计天数 Days</th><td class="n">{{.S.Days}}</td><th>有效天数 Valid days</th><td class="n">{{.S.ValidDays}}</td></tr>
<tr><th>优良天数 Good days (AQI ≤ 100)</th><td class="n">{{.S.GoodDays}}</td><th>优良天数比例 Good-day ratio</th><td class="n">{{num .S.GoodRatio 1}} %</td></tr>
<tr><th>重污染天数 Heavy days (AQI &gt; 200)</th><td class="n">{{.S.HeavyDays}}</td><th>PM2.5 平均浓度 mean</th><td class="n">{{num .S.Pollutants.PM25.Mean 1}} µg/m³{{if not .S.Pollutants.PM25.Valid}} <span class="bad">（无效 not valid）</span>{{end}}</td></tr>
</table>
<p class="muted">{{range .S.Editions}}{{.From}} — {{.To}}：{{.Name}}（{{.Days}} 天 days）　{{end}}</p>

<h2>二、六项污染物 / The six pollutants</h2>
<table><tr><th>污染物 Pollutant</th><th>单位 Unit</th><th>有效日 Valid days</th><th>平均 Mean</th><th>百分位 Percentile</th><th>同比 vs last year</th><th>有效性 Validity</th></tr>
{{range .Pollutants}}<tr><td>{{.Label}}</td><td>{{.Stat.Unit}}</td><td class="n">{{.Stat.ValidDays}}</td><td class="n">{{num .Stat.Mean .Decimals}}</td><td class="n">{{.Percentile}} {{num .Stat.PercentileValue .Decimals}}</td><td class="n">{{if .HasChange}}{{signed .Change.Diff .Decimals}}{{if .Change.DiffPct}} ({{signed .Change.DiffPct 1}} %){{end}}{{else}}—{{end}}</td><td>{{.ValidText}}</td></tr>
{{end}}</table>

<h2>三、空气质量类别 / Day categories</h2>
{{.CategoryChart}}
<table><tr><th>类别 Category</th><th>AQI</th><th>天数 Days</th><th>比例 Share of valid days</th></tr>
{{range .Categories}}<tr><td><span class="swatch" style="background:{{.Color}}"></span> {{.CategoryZH}} {{.CategoryEN}}</td><td>{{.AQIMin}}–{{if .AQIMax}}{{.AQIMax}}{{end}}</td><td class="n">{{.Days}}</td><td class="n">{{num .Ratio 1}} %</td></tr>
{{end}}</table>
<h3>逐日 AQI / Daily AQI</h3>
{{.DayChart}}
{{if .In.Months}}<table><tr><th>月份 Month</th><th>有效 Valid</th><th>优良 Good</th><th>比例 Ratio</th><th>重污染 Heavy</th><th>PM2.5</th></tr>
{{range .In.Months}}<tr><td>{{.Period.Label}}</td><td class="n">{{.ValidDays}}</td><td class="n">{{.GoodDays}}</td><td class="n">{{num .GoodRatio 1}} %</td><td class="n">{{.HeavyDays}}</td><td class="n">{{num .Pollutants.PM25.Mean 1}}{{if not .Pollutants.PM25.Valid}}*{{end}}</td></tr>
{{end}}</table><p class="muted">* 月均值无效 monthly mean not valid (GB 3095—2012 表4)</p>{{end}}

<h2>四、与上年同期比较 / Compared with the same period last year</h2>
{{with .In.LastYear}}<p>{{.Period.Label}} / {{.LastYear.Label}}</p>
<table><tr><th>指标 Figure</th><th>本期 This period</th><th>上年同期 Last year</th><th>变化 Change</th><th>可比 Comparable</th></tr>
<tr><td>优良天数 Good days</td><td class="n">{{num .GoodDays.Now 0}}</td><td class="n">{{num .GoodDays.LastYear 0}}</td><td class="n">{{signed .GoodDays.Diff 0}}</td><td>{{.GoodDays.Valid}}</td></tr>
<tr><td>优良天数比例 Good-day ratio (%)</td><td class="n">{{num .GoodRatio.Now 1}}</td><td class="n">{{num .GoodRatio.LastYear 1}}</td><td class="n">{{signed .GoodRatio.Diff 1}} pp</td><td>{{.GoodRatio.Valid}}</td></tr>
<tr><td>重污染天数 Heavy days</td><td class="n">{{num .HeavyDays.Now 0}}</td><td class="n">{{num .HeavyDays.LastYear 0}}</td><td class="n">{{signed .HeavyDays.Diff 0}}</td><td>{{.HeavyDays.Valid}}</td></tr>
<tr><td>PM2.5 (µg/m³)</td><td class="n">{{num .Means.PM25.Now 1}}</td><td class="n">{{num .Means.PM25.LastYear 1}}</td><td class="n">{{signed .Means.PM25.Diff 1}}</td><td>{{.Means.PM25.Valid}}</td></tr>
</table>{{else}}<p>无上年同期数据 No data of the same period last year.</p>{{end}}

<h2>五、年度目标 / Targets</h2>
{{if .In.Targets}}{{if .In.Illustrative}}<p class="bad">示意目标，非正式考核目标 Illustrative targets, not official.</p>{{end}}{{if .In.TargetsNote}}<p class="muted">{{.In.TargetsNote}}</p>{{end}}
<table><tr><th>目标 Target</th><th>截至 As of</th><th>目前 So far</th><th>状态 Status</th><th>还剩什么 What is left</th><th>预测 Projection</th></tr>
{{range .In.Targets}}<tr><td>{{.Target.TextZH}}<br><span class="muted">{{.Target.TextEN}}</span></td><td>{{.AsOf}}</td><td class="n">{{num .SoFar 1}}</td><td{{if ne .Status "on_track"}} class="bad"{{end}}>{{status .Status}}</td><td>{{.TextZH}}<br><span class="muted">{{.TextEN}}</span></td><td>{{with .Projection}}{{.Value}} ({{.Basis}}){{else}}—{{end}}</td></tr>
{{end}}</table>{{else}}<p>未配置年度目标 No targets are configured for this scope.</p>{{end}}

<h2>六、污染过程与预警 / Episodes and warnings</h2>
{{if .In.Warnings}}<table><tr><th>预警 Warning</th><th>区域 Region</th><th>级别 Levels</th><th>发布 Issued</th><th>生效 Effective</th><th>解除 Lifted</th></tr>
{{range .In.Warnings}}<tr><td>{{.ID}}</td><td>{{.RegionZH}} {{.RegionEN}}</td><td>{{levels .}}</td><td>{{clock .Issued}}</td><td>{{clock .Start}}</td><td>{{if .End}}{{clock .End}}{{else}}在执行 in force{{end}}</td></tr>
{{end}}</table>{{else}}<p>本期无预警 No warning in the period.</p>{{end}}
<h3>重污染天与预警 / Heavy days and the warnings for them</h3>
{{if .In.Heavy}}<table><tr><th>日期 Day</th><th>AQI</th><th>首要污染物 Primary</th><th>预警 Warnings in force</th></tr>
{{range .In.Heavy}}<tr><td>{{.Date}}</td><td class="n">{{.AQI}}</td><td>{{primary .Primary}}</td><td>{{range .Warnings}}#{{.ID}} {{.Level.NameZH}} {{.Level.NameEN}}{{if .IssuedBefore}}（提前发布 issued ahead）{{else}}（当日发布 issued that day）{{end}} {{end}}{{if not .Warnings}}<span class="bad">无预警 none</span>{{end}}</td></tr>
{{end}}</table>{{else}}<p>本期无重污染天 No heavy-pollution day in the period.</p>{{end}}
<p class="muted">按 HJ 633 与 HJ 663—2013 计算；自然日为 01:00—24:00 各小时。Computed under HJ 633 and HJ 663—2013; a natural day is the hours 01:00–24:00.</p>
</body>
</html>
`))

// HTML renders the printable report.
func HTML(in Input) ([]byte, error) {
	zh, en := in.kindText()
	last := in.Period.To.AddDate(0, 0, -1).In(cst).Format(time.DateOnly)
	var b bytes.Buffer
	err := page.Execute(&b, map[string]any{
		"In": in, "S": in.Summary, "KindZH": zh, "KindEN": en, "Last": last,
		"Partial":    len(in.Days) < in.Period.Days(),
		"Pollutants": in.pollutants(), "Categories": in.categories(),
		"CategoryChart": in.svgCategories(), "DayChart": in.svgDays(),
	})
	if err != nil {
		return nil, fmt.Errorf("statsreport: %w", err)
	}
	return b.Bytes(), nil
}

// CSV renders the report as one long table, in the report's order:
// section,item,value,unit,detail.
func CSV(in Input) ([]byte, error) {
	var b bytes.Buffer
	w := csvsafe.Writer{Writer: csv.NewWriter(&b)} // no cell runs as a formula (audit L2)
	row := func(cells ...string) { w.Write(cells) }
	s := &in.Summary
	row("section", "item", "value", "unit", "detail")
	row("report", in.Kind, in.Period.Label, "", in.ScopeZH+" / "+in.ScopeEN)
	row("report", "as_of", in.AsOf, "", "generated "+clock(in.GeneratedAt))
	row("headline", "days", strconv.Itoa(s.Days), "days", "")
	row("headline", "valid_days", strconv.Itoa(s.ValidDays), "days", "")
	row("headline", "good_days", strconv.Itoa(s.GoodDays), "days", "AQI <= 100")
	row("headline", "good_ratio", num(s.GoodRatio, 1), "%", "")
	row("headline", "heavy_days", strconv.Itoa(s.HeavyDays), "days", "AQI > 200")
	row("headline", "pm25_mean", num(s.Pollutants.PM25.Mean, 1), "µg/m³", validity(s.Pollutants.PM25))
	for _, e := range s.Editions {
		row("headline", "edition", e.Name, "", e.From+" .. "+e.To)
	}
	for _, p := range in.pollutants() {
		row("pollutant", p.Term.String()+"_mean", num(p.Stat.Mean, p.Decimals), p.Stat.Unit, validity(p.Stat))
		row("pollutant", p.Term.String()+"_"+strings.ToLower(p.Percentile), num(p.Stat.PercentileValue, p.Decimals), p.Stat.Unit, fmt.Sprintf("%d valid days", p.Stat.ValidDays))
	}
	for _, c := range in.categories() {
		row("category", c.Name, strconv.Itoa(c.Days), "days", num(c.Ratio, 1)+" %")
	}
	for _, m := range in.Months {
		row("month", m.Period.Label, num(m.GoodRatio, 1), "%", fmt.Sprintf("good %d of %d valid, heavy %d, pm25 %s", m.GoodDays, m.ValidDays, m.HeavyDays, num(m.Pollutants.PM25.Mean, 1)))
	}
	if c := in.LastYear; c != nil {
		ch := func(item string, v stats.Change, dec int, unit string) {
			row("last_year", item, num(v.Now, dec), unit, fmt.Sprintf("last year %s, change %s, comparable %v", num(v.LastYear, dec), signed(v.Diff, dec), v.Valid))
		}
		ch("good_days", c.GoodDays, 0, "days")
		ch("good_ratio", c.GoodRatio, 1, "%")
		ch("heavy_days", c.HeavyDays, 0, "days")
		for _, t := range stats.Indicators {
			ch(t.String()+"_mean", *c.Means.Of(t), decimalsOf(t), "")
		}
	}
	for _, p := range in.Targets {
		detail := p.TextEN
		if in.Illustrative {
			detail = "illustrative: " + detail
		}
		row("target", string(p.Target.Kind), num(p.SoFar, 1), string(p.Status), detail)
	}
	for _, wr := range in.Warnings {
		end := "in force"
		if wr.End != nil {
			end = clock(*wr.End)
		}
		var lv []string
		for _, l := range wr.Levels {
			lv = append(lv, l.ID)
		}
		row("warning", strconv.FormatInt(wr.ID, 10), strings.Join(lv, ">"), wr.Region, "issued "+clock(wr.Issued)+", effective "+clock(wr.Start)+", end "+end)
	}
	for _, h := range in.Heavy {
		var ws []string
		for _, c := range h.Warnings {
			ahead := "issued that day"
			if c.IssuedBefore {
				ahead = "issued ahead"
			}
			ws = append(ws, fmt.Sprintf("#%d %s (%s)", c.ID, c.Level.ID, ahead))
		}
		if len(ws) == 0 {
			ws = []string{"no warning"}
		}
		row("heavy_day", h.Date, strconv.Itoa(h.AQI), "AQI", h.Primary.String()+"; "+strings.Join(ws, ", "))
	}
	for _, d := range in.Days {
		a := ""
		if !d.Result.NA {
			a = strconv.Itoa(d.Result.AQI)
		}
		valid := "valid"
		if !d.Valid() {
			valid = "not valid"
		}
		row("day", d.Date.In(cst).Format(time.DateOnly), a, "AQI", stats.CategoryName(d.Result.Level)+" "+valid+" "+d.Edition.String())
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

func validity(p stats.PollutantStat) string {
	if p.Valid {
		return "valid"
	}
	return "not valid: " + strings.Join(p.Invalid, "; ")
}

package api

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	qrcode "github.com/yeqown/go-qrcode/v2"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/reduction"
)

// ReductionDeps is the emission-reduction list (重污染天气应急减排清单,
// package reduction) as the public source pages, the signboards and the
// duty board see it. Nil, or a nil List: those routes answer 503.
type ReductionDeps struct {
	List *reduction.List
	// Plan names the towns, the supervising units and the levels.
	Plan *alert.Plan
	Now  func() time.Time
	// BaseURL is the public address that page links and the signboard's
	// QR code are built from. It is never taken from the request's Host
	// header, which the client chooses (audit L6): empty, links are
	// relative and no signboard is made.
	BaseURL string
	// Active lists the warnings in force (the engine's store); nil: no
	// warning is shown.
	Active ActiveWarningLister
	// Primary is what drives a region's warning as the list reads it
	// ("o3", or "" for PM and unknown), as publishing reads it; nil: "".
	Primary func(region string) string
}

// ActiveWarningLister lists the warnings in force. A lift announced for a
// later hour is not among them, and the sources' measures end with its
// publication (publish.Publisher releases them then), so it is not here
// either.
type ActiveWarningLister interface {
	ActiveWarnings(ctx context.Context) ([]lifecycle.Warning, error)
}

var _ ActiveWarningLister = (*lifecycle.MemStore)(nil)

// withDefaults is r with the service's clock where it has none; nil stays
// nil.
func (r *ReductionDeps) withDefaults(now func() time.Time) *ReductionDeps {
	if r == nil {
		return nil
	}
	c := *r
	if c.Now == nil {
		c.Now = now
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	return &c
}

func (r *ReductionDeps) ready(c *gin.Context) bool {
	if r == nil || r.List == nil || r.Plan == nil {
		writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "no emission-reduction list is configured (reduction_list) / 未配置重污染天气应急减排清单"))
		return false
	}
	return true
}

// enterprise is the source of the :id in the path, or the request is
// answered (no list: 503; a source the list does not have: 404).
func (r *ReductionDeps) enterprise(c *gin.Context) (*reduction.Enterprise, bool) {
	if !r.ready(c) {
		return nil, false
	}
	e, ok := r.List.Enterprise(c.Param("id"))
	if !ok {
		writeError(c, aqwarn.Errorf(aqwarn.ENOTFOUND, "no source %q in the emission-reduction list %s / 减排清单中没有该企业", c.Param("id"), r.List.ID))
	}
	return e, ok
}

// sourcePath is a source's public page, relative to the service.
func sourcePath(id string) string { return "/sources/" + url.PathEscape(id) }

// link is an absolute link when the base address is known, else relative.
func (r *ReductionDeps) link(path string) string { return r.BaseURL + path }

// The names the pages show for the list's vocabularies (package reduction
// keeps ids only).
var (
	sourceTypeNames = map[string][2]string{
		reduction.SourceIndustrial:       {"工业源", "industrial"},
		reduction.SourceDustConstruction: {"施工扬尘源", "construction dust"},
		reduction.SourceDustMine:         {"矿山扬尘源", "mine and quarry dust"},
		reduction.SourceDustYard:         {"堆场扬尘源", "yard dust"},
		reduction.SourceMobileBulk:       {"大宗物料运输（移动源）", "bulk transport (mobile)"},
		reduction.SourceOther:            {"其他", "other"},
	}
	sourceTypes = []string{reduction.SourceIndustrial, reduction.SourceDustConstruction, reduction.SourceDustMine,
		reduction.SourceDustYard, reduction.SourceMobileBulk, reduction.SourceOther}
	sourceGradeNames = map[string][2]string{
		reduction.GradeUnrated:    {"未评级", "unrated"},
		reduction.GradeLeading:    {"引领性", "leading"},
		reduction.GradeNonLeading: {"非引领性", "non-leading"},
	}
	sourceGrades = []string{reduction.GradeAPlus, reduction.GradeA, reduction.GradeLeading, reduction.GradeB, reduction.GradeBMinus,
		reduction.GradeC, reduction.GradeNonLeading, reduction.GradeD, reduction.GradeUnrated}
	sourceStatusNames = map[string][2]string{
		reduction.StatusProducing:   {"正常生产", "producing"},
		reduction.StatusStopped:     {"停产", "stopped"},
		reduction.StatusLongStopped: {"长期停产", "long stopped"},
	}
	// The below-yellow tier is the list's, not the plan's (plan 4.2).
	preLevelName = [2]string{"轻中度污染临时管控", "light to moderate pollution (below warning)"}
)

// sourceGradeName names a grade: letters are their own name.
func sourceGradeName(g string) (zh, en string) {
	if n, ok := sourceGradeNames[g]; ok {
		return n[0], n[1]
	}
	return g, g
}

// namedRef is a thing of the plan or the list by id, with its names.
type namedRef struct {
	ID     string `json:"id"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// sourceFacet is one value a filter may take, with how many sources have it.
type sourceFacet struct {
	namedRef
	Count int `json:"count"`
}

// levelRef is a level of the list with the plan's names and colour.
type levelRef struct {
	namedRef
	Color string `json:"color,omitempty"`
}

func (r *ReductionDeps) town(id string) namedRef {
	t := namedRef{ID: id, NameZH: id, NameEN: id}
	if reg, ok := r.Plan.Region(id); ok {
		t.NameZH, t.NameEN = reg.NameZH, reg.NameEN
	}
	return t
}

func (r *ReductionDeps) units(ids []string) []namedRef {
	out := make([]namedRef, 0, len(ids))
	for _, id := range ids {
		u := namedRef{ID: id, NameZH: id, NameEN: id}
		if i := slices.IndexFunc(r.Plan.Units, func(x alert.Unit) bool { return x.ID == id }); i >= 0 {
			u.NameZH, u.NameEN = r.Plan.Units[i].NameZH, r.Plan.Units[i].NameEN
		}
		out = append(out, u)
	}
	return out
}

// level names a list level: the plan's name and colour, pre the list's.
func (r *ReductionDeps) level(id string) levelRef {
	if id == reduction.LevelPre {
		return levelRef{namedRef: namedRef{ID: id, NameZH: preLevelName[0], NameEN: preLevelName[1]}}
	}
	v := levelRef{namedRef: namedRef{ID: id, NameZH: id, NameEN: id}}
	if l, ok := r.Plan.LevelByID(id); ok {
		if s := r.Plan.Spec(l); s != nil {
			v.NameZH, v.NameEN, v.Color = s.NameZH, s.NameEN, s.Color
		}
	}
	return v
}

// industryName is the guide industry's name in the list's grade tables.
func (r *ReductionDeps) industryName(id string) string {
	for _, t := range r.List.GradeDefaults {
		if t.Industry == id {
			return t.NameZH
		}
	}
	return ""
}

// inForceView is the warning a source is under now and what the list asks
// of it at that level.
type inForceView struct {
	WarningID      int64      `json:"warning_id"`
	Region         string     `json:"region"`
	Level          string     `json:"level"`
	NameZH         string     `json:"name_zh"`
	NameEN         string     `json:"name_en"`
	Color          string     `json:"color,omitempty"`
	EffectiveStart time.Time  `json:"effective_start,omitzero"`
	ExpectedEnd    time.Time  `json:"expected_end,omitzero"`
	Paused         bool       `json:"paused,omitempty"`
	RestartAt      *time.Time `json:"restart_at,omitempty"`
	// Watch are tags for closer oversight instead of measures (an
	// O3-driven warning, reduction.WatchVOCsNOx).
	Watch []string `json:"watch,omitempty"`
	// Measures are those in force now: none while the warning is paused.
	Measures []reduction.PublicMeasure `json:"measures"`
}

// inForce finds the warning each source is under: the highest list level
// among the warnings in force over its town.
type inForce struct {
	r        *ReductionDeps
	warnings []lifecycle.Warning
	resolved map[string]map[string]reduction.Instruction // level|primary → source → instruction
	now      time.Time
}

func (r *ReductionDeps) inForce(ctx context.Context) (*inForce, error) {
	f := &inForce{r: r, resolved: map[string]map[string]reduction.Instruction{}, now: r.Now()}
	if r.Active == nil {
		return f, nil
	}
	ws, err := r.Active.ActiveWarnings(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		if slices.Contains(reduction.Levels(), w.LevelID) && w.Lifted == nil {
			f.warnings = append(f.warnings, w)
		}
	}
	return f, nil
}

func (f *inForce) of(e *reduction.Enterprise) *inForceView {
	var best *lifecycle.Warning
	for i, w := range f.warnings {
		if f.r.Plan.Within(e.Town, w.Region) && (best == nil || slices.Index(reduction.Levels(), w.LevelID) > slices.Index(reduction.Levels(), best.LevelID)) {
			best = &f.warnings[i]
		}
	}
	if best == nil {
		return nil
	}
	lv := f.r.level(best.LevelID)
	v := &inForceView{WarningID: best.ID, Region: best.Region, Level: best.LevelID, NameZH: lv.NameZH, NameEN: lv.NameEN, Color: lv.Color,
		ExpectedEnd: best.ExpectedEnd.In(CST), Paused: best.Paused, RestartAt: inCST(best.RestartAt), Measures: []reduction.PublicMeasure{}}
	if !best.EffectiveStart.IsZero() {
		v.EffectiveStart = best.EffectiveStart.In(CST)
	}
	primary := ""
	if f.r.Primary != nil {
		primary = f.r.Primary(best.Region)
	}
	key := best.LevelID + "|" + primary
	bySource, ok := f.resolved[key]
	if !ok {
		bySource = map[string]reduction.Instruction{}
		for _, in := range f.r.List.Resolve(best.LevelID, primary, f.now) {
			bySource[in.Source] = in
		}
		f.resolved[key] = bySource
	}
	in := bySource[e.ID]
	v.Watch = in.Watch
	if best.Paused {
		return v // suspended until the restart
	}
	for _, m := range in.Measures {
		// Field by field, as reduction.PublicSource is built: the
		// responsible person, the checks and the expected cuts stay out.
		v.Measures = append(v.Measures, reduction.PublicMeasure{Level: m.Level, Action: m.Action, Value: m.Value, Targets: m.Targets,
			TextZH: m.TextZH, TextEN: m.TextEN, KeyIndicator: m.KeyIndicator, Origin: m.Origin})
	}
	return v
}

// sourceFacts are what the pages and the duty board filter sources by.
type sourceFacts struct {
	Town             string `json:"town"`
	TownNameZH       string `json:"town_name_zh"`
	TownNameEN       string `json:"town_name_en"`
	SourceType       string `json:"source_type"`
	SourceTypeNameZH string `json:"source_type_name_zh"`
	SourceTypeNameEN string `json:"source_type_name_en"`
	// Grade is the grade in force now ("" for sources that are not graded).
	Grade       string `json:"grade"`
	GradeNameZH string `json:"grade_name_zh,omitempty"`
	GradeNameEN string `json:"grade_name_en,omitempty"`
}

func (r *ReductionDeps) facts(e *reduction.Enterprise, now time.Time) sourceFacts {
	t := r.town(e.Town)
	st := sourceTypeNames[e.SourceType]
	f := sourceFacts{Town: e.Town, TownNameZH: t.NameZH, TownNameEN: t.NameEN, SourceType: e.SourceType,
		SourceTypeNameZH: st[0], SourceTypeNameEN: st[1]}
	f.Grade, _ = e.GradeAt(now)
	if f.Grade != "" {
		f.GradeNameZH, f.GradeNameEN = sourceGradeName(f.Grade)
	}
	return f
}

// sourceSummary is a listed source in GET /api/v1/sources.
type sourceSummary struct {
	ID     string `json:"id"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en,omitempty"`
	sourceFacts
	Park                string               `json:"park,omitempty"`
	IndustryCode        string               `json:"industry_code,omitempty"`
	GuideIndustry       string               `json:"guide_industry,omitempty"`
	GuideIndustryNameZH string               `json:"guide_industry_name_zh,omitempty"`
	GradeNote           string               `json:"grade_note,omitempty"`
	Status              string               `json:"status"`
	StatusNameZH        string               `json:"status_name_zh"`
	StatusNameEN        string               `json:"status_name_en"`
	Exempt              *reduction.Exemption `json:"exempt,omitempty"`
	SupervisingUnits    []namedRef           `json:"supervising_units"`
	// InForce is the warning over the source's town now, with the
	// measures of its level; absent when none is in force.
	InForce *inForceView `json:"in_force,omitempty"`
	URL     string       `json:"url"`
}

// sourceListRef names the list a page is from.
type sourceListRef struct {
	ID     string `json:"id"`
	Year   int    `json:"year"`
	NameZH string `json:"name_zh"`
}

type sourcesView struct {
	List    sourceListRef `json:"list"`
	Hotline string        `json:"hotline"`
	// Filter is the filter applied (empty values: none).
	Filter struct {
		Town  string `json:"town"`
		Type  string `json:"type"`
		Grade string `json:"grade"`
	} `json:"filter"`
	// Facets are the values the filters may take over the whole list.
	Facets struct {
		Towns       []sourceFacet `json:"towns"`
		SourceTypes []sourceFacet `json:"source_types"`
		Grades      []sourceFacet `json:"grades"`
	} `json:"facets"`
	// UnderWarning counts the sources shown that are under a warning now.
	UnderWarning int             `json:"under_warning"`
	Count        int             `json:"count"`
	Sources      []sourceSummary `json:"sources"`
}

// handleSources is GET /api/v1/sources[?town=&type=&grade=]: the public
// list (plan 3.1), each source with what it must do now.
func handleSources(r *ReductionDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !r.ready(c) {
			return
		}
		town, typ, grade := c.Query("town"), c.Query("type"), c.Query("grade")
		if _, ok := r.Plan.Region(town); town != "" && !ok {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "town %q is no region of the plan / 规划中没有该乡镇", town))
			return
		}
		if typ != "" && !slices.Contains(sourceTypes, typ) {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "type %q is not a source type (%s) / 类型不对", typ, strings.Join(sourceTypes, ", ")))
			return
		}
		if grade != "" && !slices.Contains(sourceGrades, grade) {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "grade %q is not a performance grade (%s) / 绩效等级不对", grade, strings.Join(sourceGrades, ", ")))
			return
		}
		f, err := r.inForce(c.Request.Context())
		if err != nil {
			writeError(c, err)
			return
		}
		now := r.Now()
		l := r.List
		v := sourcesView{List: sourceListRef{l.ID, l.Year, l.NameZH}, Hotline: reduction.Hotline, Sources: []sourceSummary{}}
		v.Filter.Town, v.Filter.Type, v.Filter.Grade = town, typ, grade
		towns, types, grs := map[string]int{}, map[string]int{}, map[string]int{}
		for _, e := range sourcesByID(l) {
			p := e.Public(l, now)
			towns[p.Town]++
			types[p.SourceType]++
			if p.Grade != "" {
				grs[p.Grade]++
			}
			if (town != "" && !r.Plan.Within(p.Town, town)) || (typ != "" && p.SourceType != typ) || (grade != "" && p.Grade != grade) {
				continue
			}
			s := sourceSummary{ID: p.ID, NameZH: p.NameZH, NameEN: p.NameEN, sourceFacts: r.facts(e, now), Park: p.Park,
				IndustryCode: p.IndustryCode, GuideIndustry: p.GuideIndustry, GuideIndustryNameZH: r.industryName(p.GuideIndustry),
				GradeNote: p.GradeNote, Status: p.Status, StatusNameZH: sourceStatusNames[p.Status][0], StatusNameEN: sourceStatusNames[p.Status][1],
				Exempt: p.Exempt, SupervisingUnits: r.units(p.SupervisingUnits), InForce: f.of(e), URL: r.link(sourcePath(p.ID))}
			if s.InForce != nil {
				v.UnderWarning++
			}
			v.Sources = append(v.Sources, s)
		}
		v.Count = len(v.Sources)
		v.Facets.Towns = []sourceFacet{}
		for _, reg := range r.Plan.Regions { // in the plan's order
			if n := towns[reg.ID]; n > 0 {
				v.Facets.Towns = append(v.Facets.Towns, sourceFacet{namedRef{reg.ID, reg.NameZH, reg.NameEN}, n})
			}
		}
		v.Facets.SourceTypes = []sourceFacet{}
		for _, t := range sourceTypes {
			if n := types[t]; n > 0 {
				v.Facets.SourceTypes = append(v.Facets.SourceTypes, sourceFacet{namedRef{t, sourceTypeNames[t][0], sourceTypeNames[t][1]}, n})
			}
		}
		v.Facets.Grades = []sourceFacet{}
		for _, g := range sourceGrades {
			if n := grs[g]; n > 0 {
				zh, en := sourceGradeName(g)
				v.Facets.Grades = append(v.Facets.Grades, sourceFacet{namedRef{g, zh, en}, n})
			}
		}
		c.JSON(http.StatusOK, v)
	}
}

// sourcesByID is the list's sources ordered by id.
func sourcesByID(l *reduction.List) []*reduction.Enterprise {
	out := make([]*reduction.Enterprise, 0, len(l.Enterprises))
	for i := range l.Enterprises {
		out = append(out, &l.Enterprises[i])
	}
	slices.SortFunc(out, func(a, b *reduction.Enterprise) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// sourceDetail is GET /api/v1/sources/{id}: reduction.PublicSource (what
// may be disclosed, and nothing else of the list) with the names the page
// shows.
type sourceDetail struct {
	reduction.PublicSource
	ListNameZH          string `json:"list_name_zh"`
	TownNameZH          string `json:"town_name_zh"`
	TownNameEN          string `json:"town_name_en"`
	SourceTypeNameZH    string `json:"source_type_name_zh"`
	SourceTypeNameEN    string `json:"source_type_name_en"`
	GuideIndustryNameZH string `json:"guide_industry_name_zh,omitempty"`
	GradeNameZH         string `json:"grade_name_zh,omitempty"`
	GradeNameEN         string `json:"grade_name_en,omitempty"`
	StatusNameZH        string `json:"status_name_zh"`
	StatusNameEN        string `json:"status_name_en"`
	// SupervisingUnits are the plan's units with their names (the
	// embedded field holds the ids only; this one is what is sent).
	SupervisingUnits []namedRef `json:"supervising_units"`
	// Levels are the keys of Measures, lowest first, with their names.
	Levels []levelRef `json:"levels"`
	// Deadlines are how soon a notified source acknowledges and reports.
	Deadlines struct {
		AckWithin    reduction.Duration `json:"ack_within"`
		ReportWithin reduction.Duration `json:"report_within"`
	} `json:"deadlines"`
	InForce      *inForceView `json:"in_force,omitempty"`
	URL          string       `json:"url"`
	SignboardURL string       `json:"signboard_url"`
	VerifyURL    string       `json:"verify_url"`
}

func (r *ReductionDeps) detail(e *reduction.Enterprise, f *inForce) sourceDetail {
	now := r.Now()
	p := e.Public(r.List, now)
	t := r.town(p.Town)
	d := sourceDetail{PublicSource: p, ListNameZH: r.List.NameZH, TownNameZH: t.NameZH, TownNameEN: t.NameEN,
		SourceTypeNameZH: sourceTypeNames[p.SourceType][0], SourceTypeNameEN: sourceTypeNames[p.SourceType][1],
		GuideIndustryNameZH: r.industryName(p.GuideIndustry), StatusNameZH: sourceStatusNames[p.Status][0], StatusNameEN: sourceStatusNames[p.Status][1],
		SupervisingUnits: r.units(p.SupervisingUnits), InForce: f.of(e),
		URL: r.link(sourcePath(p.ID)), SignboardURL: r.link(sourcePath(p.ID) + "/signboard"), VerifyURL: r.link("/verify")}
	if p.Grade != "" {
		d.GradeNameZH, d.GradeNameEN = sourceGradeName(p.Grade)
	}
	for _, id := range reduction.Levels() {
		d.Levels = append(d.Levels, r.level(id))
	}
	d.Deadlines.AckWithin, d.Deadlines.ReportWithin = r.List.Notices.AckWithin, r.List.Notices.ReportWithin
	return d
}

// handleSource is GET /api/v1/sources/{id}: one source's public page.
func handleSource(r *ReductionDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		e, ok := r.enterprise(c)
		if !ok {
			return
		}
		f, err := r.inForce(c.Request.Context())
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, r.detail(e, f))
	}
}

// handleSourcesPage serves the list page (/sources).
func handleSourcesPage() gin.HandlerFunc { return handlePage("sources.html") }

// handleVerifyPage serves the notice check (/verify): the link a source's
// notice carries.
func handleVerifyPage() gin.HandlerFunc { return handlePage("verify.html") }

// handleEnterprisePage serves the listed sources' page (/enterprise): a
// source signs in with its token, acknowledges and reports its measures.
func handleEnterprisePage() gin.HandlerFunc { return handlePage("enterprise.html") }

// handleSourcePage serves a source's public page (/sources/{id}): the page
// reads the source from the API; an id the list does not have gets the
// page with status 404 (a QR code of a source since removed still lands
// on a page that says so).
func handleSourcePage(r *ReductionDeps) gin.HandlerFunc {
	page := handlePage("source.html")
	return func(c *gin.Context) {
		if r != nil && r.List != nil {
			if _, ok := r.List.Enterprise(c.Param("id")); !ok {
				c.Writer = forcedStatus{c.Writer, http.StatusNotFound}
			}
		}
		page(c)
	}
}

// forcedStatus answers with code whatever status the handler writes.
type forcedStatus struct {
	gin.ResponseWriter
	code int
}

func (w forcedStatus) WriteHeader(int) { w.ResponseWriter.WriteHeader(w.code) }

// signboardTmpl is the printable signboard (plan 3.2).
var signboardTmpl = template.Must(template.New("signboard.html").Funcs(template.FuncMap{
	"num": func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) },
}).ParseFS(webFS, "signboard.html"))

// signboardData is what the signboard shows: the public view only.
type signboardData struct {
	S      sourceDetail
	Levels []signboardLevel
	URL    string
	QR     template.HTML
	Today  string
}

type signboardLevel struct {
	levelRef
	Measures []signboardMeasure
}

// signboardMeasure is a measure with the names of the lines it governs
// and whether it stops them (its key indicator's limit is then 0).
type signboardMeasure struct {
	reduction.PublicMeasure
	TargetNames []string
	Stops       bool
}

// handleSignboard is GET /sources/{id}/signboard: the printable
// signboard (公示牌, plan 3.2) for the source's gate, A4, with a QR code of
// its public page.
func handleSignboard(r *ReductionDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		e, ok := r.enterprise(c)
		if !ok {
			return
		}
		if r.BaseURL == "" {
			writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "the signboard's QR code needs the service's public address (publish.base_url) / 未配置服务公开地址，无法生成二维码"))
			return
		}
		d := r.detail(e, &inForce{r: r})
		qr, err := qrSVG(d.URL)
		if err != nil {
			writeError(c, fmt.Errorf("signboard of %s: %w", e.ID, err))
			return
		}
		data := signboardData{S: d, URL: d.URL, QR: qr, Today: r.Now().In(CST).Format(time.DateOnly)}
		for _, lv := range d.Levels {
			sl := signboardLevel{levelRef: lv}
			for _, m := range measuresAt(d.Measures, lv.ID) {
				sm := signboardMeasure{PublicMeasure: m, Stops: m.Action == reduction.ActionStopUnit || m.Action == reduction.ActionStopProcess}
				for _, t := range m.Targets {
					name := t
					if i := slices.IndexFunc(d.Units, func(u reduction.PublicUnit) bool { return u.ID == t }); i >= 0 {
						name = d.Units[i].NameZH
					}
					sm.TargetNames = append(sm.TargetNames, name)
				}
				sl.Measures = append(sl.Measures, sm)
			}
			data.Levels = append(data.Levels, sl)
		}
		var b bytes.Buffer
		if err := signboardTmpl.Execute(&b, data); err != nil {
			writeError(c, fmt.Errorf("signboard of %s: %w", e.ID, err))
			return
		}
		// Printable and self-contained: its own styles, no script, no frame.
		c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'")
		c.Data(http.StatusOK, "text/html; charset=utf-8", b.Bytes())
	}
}

func measuresAt(l reduction.PublicLevels, level string) []reduction.PublicMeasure {
	switch level {
	case reduction.LevelPre:
		return l.Pre
	case reduction.LevelYellow:
		return l.Yellow
	case reduction.LevelOrange:
		return l.Orange
	case reduction.LevelRed:
		return l.Red
	}
	return nil
}

// qrSVG draws text as a QR code (error correction Q, 25 %: a signboard
// outdoors gets dirty) in SVG, with the four-module quiet zone readers
// need. Dark modules of a row are merged into runs, so the path stays
// small.
func qrSVG(text string) (template.HTML, error) {
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionQuart))
	if err != nil {
		return "", err
	}
	w := &svgWriter{}
	if err := q.Save(w); err != nil {
		return "", err
	}
	return w.svg, nil
}

// svgWriter is a qrcode.Writer that keeps the code as an SVG element.
type svgWriter struct{ svg template.HTML }

var _ qrcode.Writer = (*svgWriter)(nil)

func (w *svgWriter) Write(m qrcode.Matrix) error {
	const quiet = 4
	bits := m.Bitmap()
	var p strings.Builder
	for y, row := range bits {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&p, "M%d %dh%dv1h-%dz", x+quiet, y+quiet, run, run)
			x += run - 1
		}
	}
	size := m.Width() + 2*quiet
	// Only numbers go into the markup: it is safe as HTML.
	w.svg = template.HTML(fmt.Sprintf(`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="QR"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		size, size, size, size, p.String()))
	return nil
}

func (w *svgWriter) Close() error { return nil }

// source is the listed source a board row stands for, if it is one.
func (r *ReductionDeps) source(u alert.Unit) (*reduction.Enterprise, bool) {
	if r == nil || r.List == nil || r.Plan == nil || u.Role != alert.UnitSource {
		return nil, false
	}
	return r.List.Enterprise(u.ID)
}

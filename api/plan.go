package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn/alert"
)

// planView is the public face of the plan: its levels with what triggers
// them and the response they start, and its regions. The console fills its
// forms from it; the public can read what a warning colour means.
type planView struct {
	ID       string           `json:"id"`
	NameZH   string           `json:"name_zh"`
	NameEN   string           `json:"name_en"`
	Document string           `json:"document,omitempty"`
	Levels   []planLevelView  `json:"levels"`
	Regions  []planRegionView `json:"regions"`
	Roles    []alert.Role     `json:"roles"`
	Timing   map[string]int   `json:"timing_hours"`
	Chains   []alert.Chain    `json:"approvals"`
	// None is how the plan names "no warning".
	None noneView `json:"none"`
}

type noneView struct {
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// termView is one term of a level's condition as numbers.
type termView struct {
	AQIAbove int `json:"aqi_above"`
	MinHours int `json:"min_hours"`
}

type planLevelView struct {
	ID         string   `json:"id"`
	NameZH     string   `json:"name_zh"`
	NameEN     string   `json:"name_en"`
	Color      string   `json:"color"`
	Response   string   `json:"response"`
	ResponseZH string   `json:"response_zh"`
	ResponseEN string   `json:"response_en"`
	When       []string `json:"when"` // alternatives, e.g. "AQI>200 for ≥24h"
	// AnyOf is When as numbers: alternatives, each all of its terms.
	AnyOf [][]termView `json:"any_of"`
}

type planRegionView struct {
	alert.Region
	Warned bool `json:"warned"` // the plan evaluates warnings for it
}

func handlePlan(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		c.JSON(http.StatusOK, viewPlan(a.Plan))
	}
}

func viewPlan(p *alert.Plan) planView {
	v := planView{ID: p.ID, NameZH: p.NameZH, NameEN: p.NameEN, Document: p.Document, Roles: p.Roles, Chains: p.Approvals,
		Timing: map[string]int{"persist": p.Timing.PersistHours, "forecast_coverage": p.Timing.ForecastCoverageHours,
			"episode_merge_gap": p.Timing.MergeGapHours, "lead_time": p.Timing.LeadTimeHours, "window": p.WindowHours},
		None: noneView{NameZH: p.None.NameZH, NameEN: p.None.NameEN}}
	for _, l := range p.Levels {
		lv := planLevelView{ID: l.ID, NameZH: l.NameZH, NameEN: l.NameEN, Color: l.Color, Response: l.Response,
			ResponseZH: l.ResponseZH, ResponseEN: l.ResponseEN, When: []string{}, AnyOf: [][]termView{}}
		for _, alt := range l.AnyOf {
			s := ""
			terms := []termView{}
			for i, t := range alt.AllOf {
				if i > 0 {
					s += " and "
				}
				s += t.String()
				terms = append(terms, termView{t.AQIAbove, t.MinHours})
			}
			lv.When = append(lv.When, s)
			lv.AnyOf = append(lv.AnyOf, terms)
		}
		v.Levels = append(v.Levels, lv)
	}
	for _, r := range p.Regions {
		v.Regions = append(v.Regions, planRegionView{Region: r, Warned: r.Warned()})
	}
	return v
}

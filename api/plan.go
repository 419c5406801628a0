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
			"episode_merge_gap": p.Timing.MergeGapHours, "lead_time": p.Timing.LeadTimeHours, "window": p.WindowHours}}
	for _, l := range p.Levels {
		lv := planLevelView{ID: l.ID, NameZH: l.NameZH, NameEN: l.NameEN, Color: l.Color, Response: l.Response,
			ResponseZH: l.ResponseZH, ResponseEN: l.ResponseEN, When: []string{}}
		for _, alt := range l.AnyOf {
			s := ""
			for i, t := range alt.AllOf {
				if i > 0 {
					s += " and "
				}
				s += t.String()
			}
			lv.When = append(lv.When, s)
		}
		v.Levels = append(v.Levels, lv)
	}
	for _, r := range p.Regions {
		v.Regions = append(v.Regions, planRegionView{Region: r, Warned: r.Warned()})
	}
	return v
}

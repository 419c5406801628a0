package api

import (
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
)

// AQIEntry is the current AQI of one station or region.
type AQIEntry struct {
	Scope      string             `json:"scope"`
	ID         string             `json:"id"`
	NameZH     string             `json:"name_zh"`
	NameEN     string             `json:"name_en"`
	Region     string             `json:"region,omitempty"`
	Time       time.Time          `json:"time"` // end of the hour, +08:00
	Edition    string             `json:"edition"`
	Stale      bool               `json:"stale"`
	Hourly     aqwarn.AQIValue    `json:"hourly"`
	Rolling24h aqwarn.AQIValue    `json:"rolling_24h"`
	Conc       map[string]float64 `json:"concentrations"`
}

// CurrentResponse is the body of GET /api/v1/aqi/current.
type CurrentResponse struct {
	Computed time.Time  `json:"computed"`
	County   *AQIEntry  `json:"county"`
	Regions  []AQIEntry `json:"regions"`
	Stations []AQIEntry `json:"stations"`
}

func handleCurrentAQI(d Deps) gin.HandlerFunc {
	names := map[string][2]string{}
	regionOf := map[string]string{}
	county := ""
	for _, r := range d.Regions {
		names["region/"+r.ID] = [2]string{r.NameZH, r.NameEN}
		if r.Parent == "" && county == "" {
			county = r.ID
		}
	}
	for _, s := range d.Stations {
		names["station/"+s.ID] = [2]string{s.NameZH, s.NameEN}
		regionOf[s.ID] = s.Region
	}
	return func(c *gin.Context) {
		snap := d.AQI.Current()
		if snap == nil {
			writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "no AQI computed yet; the first hourly run has not finished"))
			return
		}
		now := d.Now()
		entry := func(rec aqwarn.AQIRecord) AQIEntry {
			n := names[rec.Scope+"/"+rec.ID]
			return AQIEntry{Scope: rec.Scope, ID: rec.ID, NameZH: n[0], NameEN: n[1], Region: regionOf[rec.ID],
				Time: rec.Time.In(CST), Edition: editionName(rec.Edition), Stale: now.Sub(rec.Time) > d.StaleAfter,
				Hourly: rec.Hourly, Rolling24h: rec.Rolling24h, Conc: rec.Conc}
		}
		wantRegion, wantStation := c.Query("region"), c.Query("station")
		resp := CurrentResponse{Computed: snap.Computed.In(CST), Regions: []AQIEntry{}, Stations: []AQIEntry{}}
		for _, rec := range snap.Regions {
			if wantStation != "" || (wantRegion != "" && rec.ID != wantRegion) {
				continue
			}
			e := entry(rec)
			if rec.ID == county {
				resp.County = &e
			}
			resp.Regions = append(resp.Regions, e)
		}
		for _, rec := range snap.Stations {
			if wantStation != "" && rec.ID != wantStation {
				continue
			}
			if wantRegion != "" && regionOf[rec.ID] != wantRegion {
				continue
			}
			resp.Stations = append(resp.Stations, entry(rec))
		}
		if wantStation != "" && len(resp.Stations) == 0 {
			writeError(c, aqwarn.Errorf(aqwarn.ENOTFOUND, "no current AQI for station %q", wantStation))
			return
		}
		if wantRegion != "" && len(resp.Regions) == 0 && len(resp.Stations) == 0 {
			writeError(c, aqwarn.Errorf(aqwarn.ENOTFOUND, "no current AQI for region %q", wantRegion))
			return
		}
		sort.Slice(resp.Regions, func(i, j int) bool { return resp.Regions[i].ID < resp.Regions[j].ID })
		sort.Slice(resp.Stations, func(i, j int) bool { return resp.Stations[i].ID < resp.Stations[j].ID })
		c.JSON(http.StatusOK, resp)
	}
}

func editionName(ed int) string {
	switch ed {
	case 2012:
		return "HJ 633—2012"
	case 2026:
		return "HJ 633—2026"
	}
	return ""
}

func handleStations(stations []aqwarn.Station, regions []aqwarn.Region) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"stations": stations, "regions": regions})
	}
}

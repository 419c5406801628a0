package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
)

// AQIHistory reads the stored hourly AQI of one station or region with
// hour ends in (from, to], oldest first (store/sqlite.DB has it).
type AQIHistory interface {
	AQIHistory(ctx context.Context, scope, id string, from, to time.Time) ([]aqwarn.AQIRecord, error)
}

// The bounds of one history request: a range is at most this long, and a
// page holds at most maxHistoryPage points. They keep every answer small
// enough to build in memory and send in one piece.
const (
	maxHourRange   = 31 * 24 * time.Hour
	maxDayRange    = 366 * 24 * time.Hour
	maxHistoryPage = 1000
)

// HistoryPoint is the AQI of one hour, or of one day with granularity=day.
type HistoryPoint struct {
	// Time is the end of the hour (or of the day), +08:00.
	Time time.Time `json:"time"`
	// Date is the local calendar day (granularity=day only).
	Date       string             `json:"date,omitempty"`
	Edition    string             `json:"edition"`
	Hourly     *aqwarn.AQIValue   `json:"hourly,omitempty"`
	Rolling24h *aqwarn.AQIValue   `json:"rolling_24h,omitempty"`
	Daily      *aqwarn.AQIValue   `json:"daily,omitempty"`
	Conc       map[string]float64 `json:"concentrations,omitempty"`
}

// HistoryResponse is the body of GET /api/v1/aqi/history.
type HistoryResponse struct {
	Scope       string         `json:"scope"`
	ID          string         `json:"id"`
	Granularity string         `json:"granularity"`
	From        time.Time      `json:"from"`
	To          time.Time      `json:"to"`
	Points      []HistoryPoint `json:"points"`
	// NextFrom is the from of the next page; absent on the last page.
	NextFrom *time.Time `json:"next_from,omitempty"`
}

// historyQuery is a validated history request.
type historyQuery struct {
	scope, id   string
	granularity string
	from, to    time.Time
	limit       int
}

// parseHistoryQuery checks the query against the configured stations and
// regions and the range bounds. now supplies the default end.
func parseHistoryQuery(q func(string) string, stations, regions map[string]bool, now time.Time) (historyQuery, error) {
	var h historyQuery
	station, region := q("station"), q("region")
	switch {
	case station != "" && region != "":
		return h, aqwarn.Errorf(aqwarn.EINVALID, "give station or region, not both")
	case station != "":
		if !stations[station] {
			return h, aqwarn.Errorf(aqwarn.ENOTFOUND, "no station %q", station)
		}
		h.scope, h.id = aqwarn.ScopeStation, station
	case region != "":
		if !regions[region] {
			return h, aqwarn.Errorf(aqwarn.ENOTFOUND, "no region %q", region)
		}
		h.scope, h.id = aqwarn.ScopeRegion, region
	default:
		return h, aqwarn.Errorf(aqwarn.EINVALID, "station or region is required")
	}
	h.granularity = q("granularity")
	bound, span := maxHourRange, 72*time.Hour
	switch h.granularity {
	case "", "hour":
		h.granularity = "hour"
	case "day":
		bound, span = maxDayRange, 30*24*time.Hour
	default:
		return h, aqwarn.Errorf(aqwarn.EINVALID, "granularity %q must be hour or day", h.granularity)
	}
	var err error
	h.to = now.Truncate(time.Hour)
	if s := q("to"); s != "" {
		if h.to, err = parseTimeParam("to", s); err != nil {
			return h, err
		}
	}
	h.from = h.to.Add(-span)
	if s := q("from"); s != "" {
		if h.from, err = parseTimeParam("from", s); err != nil {
			return h, err
		}
	}
	if !h.from.Before(h.to) {
		return h, aqwarn.Errorf(aqwarn.EINVALID, "from must be before to")
	}
	if h.to.Sub(h.from) > bound {
		return h, aqwarn.Errorf(aqwarn.EINVALID, "the range is longer than %d days; ask for several", int(bound/(24*time.Hour)))
	}
	h.limit = maxHistoryPage
	if s := q("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxHistoryPage {
			return h, aqwarn.Errorf(aqwarn.EINVALID, "limit %q must be a number from 1 to %d", s, maxHistoryPage)
		}
		h.limit = n
	}
	return h, nil
}

// parseTimeParam reads RFC 3339 times and plain dates (midnight, +08:00).
func parseTimeParam(name, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, CST); err == nil {
		return t, nil
	}
	return time.Time{}, aqwarn.Errorf(aqwarn.EINVALID, "%s %q is not an RFC 3339 time (2015-11-30T08:00:00+08:00) or a date (2015-11-30)", name, s)
}

// historyPoints turns stored hourly records into points. A day is the
// 24-hour AQI of the hour ending at local midnight: the window that covers
// exactly that calendar day.
func historyPoints(recs []aqwarn.AQIRecord, granularity string) []HistoryPoint {
	out := []HistoryPoint{}
	for _, r := range recs {
		t := r.Time.In(CST)
		if granularity == "day" {
			if t.Hour() != 0 || t.Minute() != 0 {
				continue
			}
			daily := r.Rolling24h
			out = append(out, HistoryPoint{Time: t, Date: t.Add(-time.Hour).Format("2006-01-02"),
				Edition: editionName(r.Edition), Daily: &daily})
			continue
		}
		hourly, rolling := r.Hourly, r.Rolling24h
		out = append(out, HistoryPoint{Time: t, Edition: editionName(r.Edition), Hourly: &hourly,
			Rolling24h: &rolling, Conc: r.Conc})
	}
	return out
}

func handleHistory(d Deps) gin.HandlerFunc {
	stations, regions := map[string]bool{}, map[string]bool{}
	for _, s := range d.Stations {
		stations[s.ID] = true
	}
	for _, r := range d.Regions {
		regions[r.ID] = true
	}
	return func(c *gin.Context) {
		if d.History == nil {
			writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "AQI history is not available"))
			return
		}
		h, err := parseHistoryQuery(c.Query, stations, regions, d.Now())
		if err != nil {
			writeError(c, err)
			return
		}
		recs, err := d.History.AQIHistory(c.Request.Context(), h.scope, h.id, h.from, h.to)
		if err != nil {
			writeError(c, err)
			return
		}
		resp := HistoryResponse{Scope: h.scope, ID: h.id, Granularity: h.granularity,
			From: h.from.In(CST), To: h.to.In(CST), Points: historyPoints(recs, h.granularity)}
		if len(resp.Points) > h.limit {
			resp.Points = resp.Points[:h.limit]
			// from is exclusive, so the last point sent starts the next page.
			next := resp.Points[h.limit-1].Time
			resp.NextFrom = &next
		}
		c.JSON(http.StatusOK, resp)
	}
}

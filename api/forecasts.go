package api

import (
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
)

// handlePostForecast accepts a forecast as JSON (alert.Forecast), as
// text/csv, or as a multipart upload (field "file"). For CSV, the query
// parameters region, source and issued_at fill columns the file leaves out.
func handlePostForecast(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		st := staffOf(c)
		role := planRole(a.Plan, st)
		mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
		var fs []alert.Forecast
		switch mt {
		case "text/csv", "multipart/form-data":
			def := alert.Forecast{Region: c.Query("region"), Source: c.Query("source")}
			if v := c.Query("issued_at"); v != "" {
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "issued_at %q is not an RFC 3339 time", v))
					return
				}
				def.IssuedAt = t
			}
			var body io.Reader = c.Request.Body
			if mt == "multipart/form-data" {
				fh, err := c.FormFile("file")
				if err != nil {
					writeError(c, &aqwarn.Error{Code: "bad_request", Message: "the upload needs a file field named file"})
					return
				}
				f, err := fh.Open()
				if err != nil {
					writeError(c, &aqwarn.Error{Code: "bad_request", Message: "cannot read the uploaded file"})
					return
				}
				defer f.Close()
				body = f
			}
			var err error
			if fs, err = alert.ParseForecastCSV(body, def); err != nil {
				writeError(c, err)
				return
			}
		default:
			var f alert.Forecast
			if !bindJSON(c, &f) {
				return
			}
			f.ID, f.Received = 0, time.Time{}
			fs = []alert.Forecast{f}
		}
		// Check all before keeping any, so a bad file is refused whole.
		for i := range fs {
			if err := fs[i].Check(a.Plan); err != nil {
				writeError(c, err)
				return
			}
		}
		ids := []int64{}
		for _, f := range fs {
			got, err := a.Forecasts.AddForecast(c.Request.Context(), f, st.User, role)
			if got.ID > 0 {
				ids = append(ids, got.ID)
			}
			if err != nil {
				writeError(c, err)
				return
			}
		}
		c.JSON(http.StatusCreated, gin.H{"ids": ids})
	}
}

func handleForecasts(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		now := a.Now()
		from, to := now.Add(-7*24*time.Hour), now
		if v := c.Query("from"); v != "" {
			t, err := time.ParseInLocation(time.DateOnly, v, CST)
			if err != nil {
				writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "from %q is not YYYY-MM-DD", v))
				return
			}
			from = t
		}
		fs, err := a.Forecasts.Forecasts(c.Request.Context(), c.Query("region"), from, to)
		respondList(c, "forecasts", fs, err)
	}
}

// handleVerification compares forecasts with observations for past days:
// ?from=YYYY-MM-DD&to=YYYY-MM-DD (default: the last 30 days).
func handleVerification(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		now := a.Now().In(CST)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, CST)
		from, to := today.AddDate(0, 0, -30), today
		for _, q := range []struct {
			name string
			t    *time.Time
		}{{"from", &from}, {"to", &to}} {
			if v := c.Query(q.name); v != "" {
				t, err := time.ParseInLocation(time.DateOnly, v, CST)
				if err != nil {
					writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "%s %q is not YYYY-MM-DD", q.name, v))
					return
				}
				*q.t = t
			}
		}
		rows, scores, err := a.Forecasts.Verification(c.Request.Context(), from, to)
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly),
			"days": rows, "sources": scores})
	}
}

// handleForecastStatus tells the duty console where the engine runs on the
// persistence baseline because a real forecast is missing.
func handleForecastStatus(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		needs := a.Forecasts.NeedForecast()
		out := []gin.H{}
		for _, r := range a.Plan.Regions {
			if n, ok := needs[r.ID]; ok {
				out = append(out, gin.H{"region": r.ID, "reason": n.Reason, "message": n.Message, "message_zh": n.MessageZH,
					"coverage_end": n.CoverageEnd, "needed_until": n.NeededUntil, "baseline": alert.BaselinePersistence})
			}
		}
		resp := gin.H{"forecast_missing": out}
		if t := a.Forecasts.LastEvaluation(); !t.IsZero() {
			resp["evaluated_at"] = t.In(CST)
		}
		c.JSON(http.StatusOK, resp)
	}
}

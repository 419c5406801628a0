package api

import (
	"github.com/gin-gonic/gin"
)

// addRoutes declares every route of the service in one place.
func addRoutes(r *gin.Engine, d Deps) {
	r.GET("/healthz", handleHealthz())
	r.GET("/readyz", handleReadyz(d.Ready))
	if d.Metrics != nil {
		r.GET("/metrics", gin.WrapH(d.Metrics))
	}

	v1 := r.Group("/api/v1")
	v1.GET("/aqi/current", handleCurrentAQI(d))
	v1.GET("/stations", handleStations(d.Stations, d.Regions))

	staff := v1.Group("", requireStaff(d.StaffTokens))
	staff.GET("/ingest/deadletters", handleDeadLetters(d.DeadLetters))
}

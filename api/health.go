package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// handleHealthz answers while the process serves HTTP at all.
func handleHealthz() gin.HandlerFunc {
	return func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }
}

// handleReadyz answers 200 only when every dependency (broker, stores) is
// reachable, and names the failing ones otherwise.
func handleReadyz(checks []Check) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		status := http.StatusOK
		degraded := false
		res := gin.H{}
		for _, ch := range checks {
			if err := ch.Check(ctx); err != nil {
				if ch.Degraded {
					degraded = true
				} else {
					status = http.StatusServiceUnavailable
				}
				res[ch.Name] = err.Error()
			} else {
				res[ch.Name] = "ok"
			}
		}
		word := "ready"
		switch {
		case status != http.StatusOK:
			word = "not ready"
		case degraded:
			word = "degraded"
		}
		c.JSON(status, gin.H{"status": word, "checks": res})
	}
}

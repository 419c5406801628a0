package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// handleHealthz answers while the process serves HTTP at all.
func handleHealthz() gin.HandlerFunc {
	return func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }
}

// handleReadyz answers 200 only when every dependency (broker, stores) is
// reachable, and names the failing ones otherwise.
// handleReadyz answers whether the service is ready. The public sees only
// which checks fail; why (addresses, errors) is for staff tokens and the
// log (audit M3).
func handleReadyz(checks []Check, staff []StaffToken, log *slog.Logger) gin.HandlerFunc {
	find := tokenFinder(staff)
	return func(c *gin.Context) {
		detail := false
		if tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer "); ok {
			if st, found := find(tok); found && st.isStaff() {
				detail = true
			}
		}
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
				if detail {
					res[ch.Name] = err.Error()
				} else {
					res[ch.Name] = "failing"
				}
				log.Warn("readiness check failing", "check", ch.Name, "err", err)
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

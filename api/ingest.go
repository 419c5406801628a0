package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
)

// handleDeadLetters lists rejected messages, newest first, paged by ?before=ID.
func handleDeadLetters(dl DeadLetterLister) gin.HandlerFunc {
	return func(c *gin.Context) {
		if dl == nil {
			writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "dead letters are not available"))
			return
		}
		limit, _ := strconv.Atoi(c.DefaultQuery("limit", "100"))
		before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
		items, err := dl.ListDeadLetters(c.Request.Context(), c.Query("reason"), c.Query("station"), before, limit)
		if err != nil {
			writeError(c, err)
			return
		}
		resp := gin.H{"deadletters": items}
		if len(items) > 0 {
			resp["next_before"] = items[len(items)-1].ID
		}
		c.JSON(http.StatusOK, resp)
	}
}

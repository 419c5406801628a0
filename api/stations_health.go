package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
)

// StationHealthLister reports whether each station is online.
type StationHealthLister interface {
	Status() []aqwarn.StationStatus
}

// handleStationsHealth lists every station's state for duty staff: online,
// or offline because it fell silent or sends only invalid data.
func handleStationsHealth(h StationHealthLister) gin.HandlerFunc {
	return func(c *gin.Context) {
		if h == nil {
			writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "station health is not available"))
			return
		}
		st := h.Status()
		offline := 0
		for _, s := range st {
			if !s.Online {
				offline++
			}
		}
		c.JSON(http.StatusOK, gin.H{"stations": st, "offline": offline})
	}
}

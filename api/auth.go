package api

import (
	"crypto/subtle"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
)

// requireStaff admits requests with a configured bearer token.
func requireStaff(tokens []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || tok == "" {
			writeError(c, aqwarn.Errorf(aqwarn.EUNAUTHORIZED, "a staff bearer token is required"))
			return
		}
		for _, t := range tokens {
			if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
				c.Next()
				return
			}
		}
		writeError(c, aqwarn.Errorf(aqwarn.EUNAUTHORIZED, "the bearer token is not valid"))
	}
}

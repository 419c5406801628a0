package api

import (
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
)

// serialShape is what publish.NoticeSerial makes: "N<warning>-<8 characters>".
var serialShape = regexp.MustCompile(`^N[1-9][0-9]{0,17}-[A-Z2-9]{8}$`)

// handleVerifyNotice is GET /api/v1/notices/{serial}?code=NNNNNN: public,
// so that anyone holding a stop-production notice can check it before
// acting on it (forged notices are a known problem). An invented serial
// and a wrong code get the same answer.
func handleVerifyNotice(p *PublishDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if p == nil || p.Verifier == nil {
			writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "no emission-reduction list is kept, so there are no source notices to verify"))
			return
		}
		serial, code := c.Param("serial"), c.Query("code")
		if !serialShape.MatchString(serial) {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "%q is not a notice serial (like N12-ABCD2345) / 通知编号格式不对", serial))
			return
		}
		chk, err := p.Verifier.Verify(c.Request.Context(), serial, code)
		if err != nil {
			writeError(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, chk)
	}
}

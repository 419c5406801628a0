package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/cap"
)

// handleFeed serves the Atom feed of the newest CAP messages.
func handleFeed(p *PublishDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !p.ready(c) {
			return
		}
		recs, err := p.Store.RecentCAPs(c.Request.Context(), 50)
		if err != nil {
			writeError(c, err)
			return
		}
		base := p.base(c)
		entries := make([]cap.FeedEntry, 0, len(recs))
		for _, r := range recs {
			a, err := cap.Parse([]byte(r.XML))
			if err != nil {
				writeError(c, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "api.feed", Message: "stored CAP message unreadable", Err: err})
				return
			}
			entries = append(entries, cap.FeedEntry{Alert: a,
				URL: base + "/api/v1/warnings/" + strconv.FormatInt(r.WarningID, 10) + "/cap.xml?identifier=" + r.Identifier})
		}
		meta := p.Feed
		meta.SelfURL = base + "/api/v1/warnings/feed.atom"
		b, err := cap.Feed(meta, entries)
		if err != nil {
			writeError(c, err)
			return
		}
		c.Data(http.StatusOK, "application/atom+xml; charset=utf-8", b)
	}
}

// handleCAP serves a warning's CAP message: the newest, or the one named
// by ?identifier=.
func handleCAP(p *PublishDeps) gin.HandlerFunc {
	return p.forID(func(c *gin.Context, id int64) {
		recs, err := p.Store.WarningCAPs(c.Request.Context(), id)
		if err != nil {
			writeError(c, err)
			return
		}
		want := c.Query("identifier")
		for i := len(recs) - 1; i >= 0; i-- {
			if want == "" || recs[i].Identifier == want {
				c.Data(http.StatusOK, cap.ContentType+"; charset=utf-8", []byte(recs[i].XML))
				return
			}
		}
		writeError(c, aqwarn.Errorf(aqwarn.ENOTFOUND, "warning %d has no such CAP message", id))
	})
}

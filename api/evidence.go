package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/followup"
)

// Photos of a task's execution report (a listed source's line stopped, a
// site covered): sent by the unit or source with its own token, seen by
// staff and by the sender. The pages shrink a photo on the phone before
// sending it, so the service's body limit (1 MiB by default) holds.

// EvidenceStore keeps the photos (store/sqlite.DB).
type EvidenceStore interface {
	AddEvidence(ctx context.Context, e followup.Evidence, data []byte) (followup.Evidence, error)
	TaskEvidence(ctx context.Context, warningID int64, unit string) ([]followup.Evidence, error)
	EvidenceData(ctx context.Context, sha string) (contentType string, data []byte, units []string, err error)
}

// imageType is the type of a JPEG or PNG by its first bytes (never the
// client's word for it); "" for anything else.
func imageType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	}
	return ""
}

// readPhoto reads the request's body as one JPEG or PNG photo, with its
// type by its bytes; a body that is none is answered (false).
func readPhoto(c *gin.Context) ([]byte, string, bool) {
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		writeError(c, aqwarn.Errorf(codeTooLarge, "the photo could not be read (too large?): %v / 照片过大或读取失败", err))
		return nil, "", false
	}
	ct := imageType(b)
	if ct == "" {
		writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "send one JPEG or PNG photo as the body / 请上传 JPEG 或 PNG 照片"))
		return nil, "", false
	}
	return b, ct, true
}

// keepsEvidence answers a request about photos where none are kept.
func (p *PublishDeps) keepsEvidence(c *gin.Context) bool {
	if p == nil || p.Evidence == nil {
		writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "photos are not kept here / 未启用照片存证"))
		return false
	}
	return true
}

// evidenceWarning is the warning a request about a task's photos names
// (?warning_id=); a request naming none is answered.
func (p *PublishDeps) evidenceWarning(c *gin.Context) (int64, bool) {
	if !p.keepsEvidence(c) {
		return 0, false
	}
	id, err := strconv.ParseInt(c.Query("warning_id"), 10, 64)
	if err != nil || id < 1 {
		writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "warning_id must name the warning the photos are for / 须指明预警编号"))
		return 0, false
	}
	return id, true
}

// handleAddEvidence is POST /api/v1/units/{unit}/tasks/{task}/photos?warning_id=:
// the body is one JPEG or PNG, for a task the unit has in that warning.
func handleAddEvidence(p *PublishDeps) gin.HandlerFunc {
	return p.forUnit(func(c *gin.Context, u alert.Unit) {
		id, ok := p.evidenceWarning(c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		tasks, err := p.Store.Board(ctx, id)
		if err != nil {
			writeError(c, err)
			return
		}
		task := c.Param("task")
		if !slices.ContainsFunc(tasks, func(t followup.TaskState) bool { return t.Unit == u.ID && t.Task == task }) {
			writeError(c, aqwarn.Errorf(aqwarn.ENOTFOUND, "%s has no task %q in warning %d / 该预警下没有此任务", u.ID, task, id))
			return
		}
		b, ct, ok := readPhoto(c)
		if !ok {
			return
		}
		e, err := p.Evidence.AddEvidence(ctx, followup.Evidence{WarningID: id, Unit: u.ID, Task: task, ContentType: ct, At: p.Now(), By: staffOf(c).User}, b)
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusCreated, gin.H{"photo": e, "url": "/api/v1/evidence/" + e.SHA256})
	})
}

// handleTaskEvidence is GET /api/v1/units/{unit}/photos?warning_id=: the
// unit's photos of a warning.
func handleTaskEvidence(p *PublishDeps) gin.HandlerFunc {
	return p.forUnit(func(c *gin.Context, u alert.Unit) {
		id, ok := p.evidenceWarning(c)
		if !ok {
			return
		}
		es, err := p.Evidence.TaskEvidence(c.Request.Context(), id, u.ID)
		respondList(c, "photos", es, err)
	})
}

var shaShape = regexp.MustCompile(`^[0-9a-f]{64}$`)

// handleEvidenceData is GET /api/v1/evidence/{sha256}: the photo, for
// staff and for the units whose tasks it documents.
func handleEvidenceData(p *PublishDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !p.keepsEvidence(c) {
			return
		}
		sha := c.Param("sha")
		if !shaShape.MatchString(sha) {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "%q is not a photo's SHA-256", sha))
			return
		}
		ct, data, units, err := p.Evidence.EvidenceData(c.Request.Context(), sha)
		if err != nil {
			writeError(c, err)
			return
		}
		st := staffOf(c)
		if !st.isStaff() && !slices.ContainsFunc(units, st.mayActFor) {
			// The same answer as for a photo that does not exist.
			writeError(c, aqwarn.Errorf(aqwarn.ENOTFOUND, "no photo %s", sha))
			return
		}
		c.Header("Cache-Control", "private, max-age=86400, immutable")
		c.Data(http.StatusOK, ct, data)
	}
}

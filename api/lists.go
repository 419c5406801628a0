package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/reduction"
)

// The reduction list's yearly revision (plan 9.3) for duty staff: upload
// a draft, take it through review, approval, filing and publication,
// compare it with the list in force, export the filing CSV.

// ListStore keeps the list's versions (store/sqlite.DB).
type ListStore interface {
	AddListVersion(ctx context.Context, v reduction.Version, text string) (reduction.Version, error)
	ListVersions(ctx context.Context, year int) ([]reduction.Version, error)
	ListVersion(ctx context.Context, id int64) (reduction.Version, string, error)
	SaveListStep(ctx context.Context, v reduction.Version, from string) error
}

// AuditWriter records who did what (store/sqlite.DB).
type AuditWriter interface {
	AppendAudit(ctx context.Context, e lifecycle.AuditEntry) error
}

// ListDeps is what the revision endpoints need.
type ListDeps struct {
	Store ListStore
	Audit AuditWriter
	// Parse validates a list against the plan (configs' refs).
	Parse func(b []byte) (*reduction.List, error)
	// InForce is the list the service runs on (nil: none).
	InForce *reduction.List
	// Account is the reduction accounting of a list against the county
	// inventory (nil: no inventory configured, no accounting shown).
	Account func(l *reduction.List, now time.Time) *compliance.Accounting
	Now     func() time.Time
}

// account is a list's accounting, nil when none is configured.
func (l *ListDeps) account(list *reduction.List) *compliance.Accounting {
	if l.Account == nil || list == nil {
		return nil
	}
	return l.Account(list, l.Now())
}

// handleAccounting is GET /api/v1/reduction/accounting: what the list in
// force is expected to cut at each level, against the required shares of
// the county inventory, with each shortfall's causes (a version's own is
// in GET …/versions/{id}).
func handleAccounting(l *ListDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		acc := l.account(l.InForce)
		if acc == nil {
			writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "no reduction list or no county emission inventory is configured (inspection.inventory) / 未配置减排清单或全县排放清单，无法核算减排量"))
			return
		}
		c.JSON(http.StatusOK, acc)
	}
}

func (l *ListDeps) ready(c *gin.Context) bool {
	if l == nil || l.Store == nil || l.Parse == nil {
		writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "the reduction list's revision is not available / 减排清单修订功能不可用"))
		return false
	}
	return true
}

// versionView is a version with where the year stands.
type versionView struct {
	reduction.Version
	// Diff against the list in force (what the review looks at).
	Diff *reduction.ListDiff `json:"diff,omitempty"`
	// Accounting is what the version would cut at each level (when an
	// inventory is configured): a review sees the shortfall it leaves.
	Accounting *compliance.Accounting `json:"accounting,omitempty"`
}

// handleListVersions is GET /api/v1/reduction/versions?year=: the
// versions, newest first, the year's deadline and reminder dates.
func handleListVersions(l *ListDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !l.ready(c) {
			return
		}
		year := l.Now().In(CST).Year()
		if s := c.Query("year"); s != "" {
			y, err := strconv.Atoi(s)
			if err != nil || y < 2000 || y > 2100 {
				writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "year %q is not a year / 年份格式不对", s))
				return
			}
			year = y
		}
		vs, err := l.Store.ListVersions(c.Request.Context(), year)
		if err != nil {
			writeError(c, err)
			return
		}
		if vs == nil {
			vs = []reduction.Version{}
		}
		out := gin.H{"year": year, "deadline": reduction.Deadline(year).In(CST), "reminders": allInCST(reduction.Reminders(year)), "versions": vs}
		if l.InForce != nil {
			out["in_force"] = gin.H{"id": l.InForce.ID, "year": l.InForce.Year, "sources": len(l.InForce.Enterprises)}
		}
		c.JSON(http.StatusOK, out)
	}
}

func allInCST(ts []time.Time) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = t.In(CST)
	}
	return out
}

// maxListBytes bounds an uploaded list (the demo's 30 sources are 40 KB).
const maxListBytes = 4 << 20

// handleAddListVersion is POST /api/v1/reduction/versions: the body is the
// list's YAML; it is validated against the plan and kept as a new draft
// (422 with every problem and its line when it does not load).
func handleAddListVersion(l *ListDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !l.ready(c) {
			return
		}
		b, err := io.ReadAll(io.LimitReader(c.Request.Body, maxListBytes+1))
		if err != nil {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "the list could not be read: %v", err))
			return
		}
		if len(b) > maxListBytes || len(bytes.TrimSpace(b)) == 0 {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "send the list's YAML as the body (at most %d MiB) / 请以 YAML 提交清单", maxListBytes>>20))
			return
		}
		list, err := l.Parse(b)
		if err != nil {
			writeError(c, err)
			return
		}
		st := staffOf(c)
		ctx := c.Request.Context()
		v, err := l.Store.AddListVersion(ctx, reduction.Version{Year: list.Year, ListID: list.ID, Created: l.Now(), By: st.User}, string(b))
		if err != nil {
			writeError(c, err)
			return
		}
		l.audit(c, "list_draft", v, "")
		c.JSON(http.StatusCreated, versionView{Version: v, Diff: l.diff(list), Accounting: l.account(list)})
	}
}

// handleListVersion is GET /api/v1/reduction/versions/{id}, with the diff
// against the list in force.
func handleListVersion(l *ListDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, list, ok := l.version(c)
		if !ok {
			return
		}
		c.JSON(http.StatusOK, versionView{Version: v, Diff: l.diff(list), Accounting: l.account(list)})
	}
}

// handleListStep is POST /api/v1/reduction/versions/{id}/{action}
// ({"comment": …}): one step of the workflow, by the signed-in user.
func handleListStep(l *ListDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, _, ok := l.version(c)
		if !ok {
			return
		}
		var req struct {
			Comment string `json:"comment"`
		}
		if c.Request.ContentLength != 0 && !bindJSON(c, &req) {
			return
		}
		next, err := reduction.Advance(v, c.Param("action"), staffOf(c).User, req.Comment, l.Now())
		if err != nil {
			writeError(c, &aqwarn.Error{Code: aqwarn.EINVALID, Reason: "list_step_invalid", Message: err.Error()})
			return
		}
		if err := l.Store.SaveListStep(c.Request.Context(), next, v.State); err != nil {
			writeError(c, err)
			return
		}
		l.audit(c, "list_"+c.Param("action"), next, req.Comment)
		c.JSON(http.StatusOK, versionView{Version: next})
	}
}

// handleListFiling is GET /api/v1/reduction/versions/{id}/filing.csv: the
// export filed with the city (reduction/testdata/filing-schema.md).
func handleListFiling(l *ListDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, list, ok := l.version(c)
		if !ok {
			return
		}
		var b bytes.Buffer
		if err := reduction.WriteFilingCSV(&b, list); err != nil {
			writeError(c, err)
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="reduction-list-%d-v%d.csv"`, v.Year, v.ID))
		c.Data(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
	}
}

// version loads the version of the path and its list.
func (l *ListDeps) version(c *gin.Context) (reduction.Version, *reduction.List, bool) {
	if !l.ready(c) {
		return reduction.Version{}, nil, false
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "%q is not a version id / 版本号格式不对", c.Param("id")))
		return reduction.Version{}, nil, false
	}
	v, text, err := l.Store.ListVersion(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return v, nil, false
	}
	list, err := l.Parse([]byte(text))
	if err != nil {
		// It validated when it was uploaded: the plan has changed since
		// (a unit or town renamed). Say so rather than serve half a list.
		writeError(c, &aqwarn.Error{Code: aqwarn.ECONFLICT, Reason: "list_stale", Err: err,
			Message: fmt.Sprintf("version %d no longer loads against the plan in force; upload a corrected draft / 第 %d 版与现行预案不符，请上传修正稿", id, id)})
		return v, nil, false
	}
	return v, list, true
}

func (l *ListDeps) diff(list *reduction.List) *reduction.ListDiff {
	if l.InForce == nil || list == nil {
		return nil
	}
	d := reduction.Diff(l.InForce, list)
	return &d
}

func (l *ListDeps) audit(c *gin.Context, action string, v reduction.Version, comment string) {
	if l.Audit == nil {
		return
	}
	st := staffOf(c)
	if err := l.Audit.AppendAudit(c.Request.Context(), lifecycle.AuditEntry{At: l.Now(), Actor: st.User, Role: strings.Join(st.Roles, ","),
		Action: action, Subject: fmt.Sprintf("reduction list %d version %d (%s)", v.Year, v.ID, v.State), Comment: comment}); err != nil {
		loggerOf(c).Error("audit of a list step not written", "version", v.ID, "err", err)
	}
}

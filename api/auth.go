package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
)

// StaffToken is one staff bearer token as configured: only its SHA-256 is
// kept, with the user it names and the plan roles it carries.
type StaffToken struct {
	SHA256 string   // hex of sha256(token)
	User   string   // who signs with it (audit log, approvals)
	Roles  []string // role ids of the plan
}

// Staff is the caller of a staff endpoint, as its token says.
type Staff struct {
	User  string
	Roles []string
}

// HashToken is how tokens are stored: hex(sha256(token)).
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

const staffKey = "aqwarn.staff"

// requireStaff admits requests with a configured bearer token: 401 without
// one. The caller's user and roles are kept for the handlers.
func requireStaff(tokens []StaffToken) gin.HandlerFunc {
	find := tokenFinder(tokens)
	return func(c *gin.Context) {
		tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			c.Header("WWW-Authenticate", `Bearer realm="aqwarn"`)
			writeError(c, aqwarn.Errorf(aqwarn.EUNAUTHORIZED, "a staff bearer token is required"))
			return
		}
		st, found := find(tok)
		if !found {
			c.Header("WWW-Authenticate", `Bearer realm="aqwarn", error="invalid_token"`)
			writeError(c, aqwarn.Errorf(aqwarn.EUNAUTHORIZED, "the bearer token is not valid"))
			return
		}
		c.Set(staffKey, st)
		c.Next()
	}
}

// tokenFinder returns who a bearer token is, comparing with every hash so
// the time does not tell which matched.
func tokenFinder(tokens []StaffToken) func(tok string) (Staff, bool) {
	hashes := make([][]byte, len(tokens))
	for i, t := range tokens {
		hashes[i], _ = hex.DecodeString(strings.ToLower(t.SHA256))
	}
	return func(tok string) (Staff, bool) {
		sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
		found := -1
		for i, h := range hashes {
			if subtle.ConstantTimeCompare(h, sum[:]) == 1 {
				found = i
			}
		}
		if found < 0 {
			return Staff{}, false
		}
		return Staff{User: tokens[found].User, Roles: tokens[found].Roles}, true
	}
}

func staffOf(c *gin.Context) Staff {
	v, _ := c.Get(staffKey)
	st, _ := v.(Staff)
	return st
}

// UnitRolePrefix marks a member unit's role: "unit:<id>" with the id of a
// unit of the plan. Such a token speaks for that unit only: its own tasks,
// its acknowledgement (叫应) and its done reports.
const UnitRolePrefix = "unit:"

// SourceRolePrefix marks a listed source's role: "source:<id>" with the
// id of a source of the emission-reduction list. Such a token speaks for
// that source as a member unit's does for its unit (/enterprise).
const SourceRolePrefix = "source:"

// UnitOfRole is the recipient a member-unit or source role names
// ("unit:education" → "education", "source:cement-b" → "cement-b"); ok is
// false for every other role.
func UnitOfRole(role string) (unit string, ok bool) {
	unit, ok = strings.CutPrefix(role, UnitRolePrefix)
	if !ok {
		unit, ok = strings.CutPrefix(role, SourceRolePrefix)
	}
	return unit, ok && unit != ""
}

// isStaff reports whether the token carries a role other than a member
// unit's: duty staff may act for any unit (a unit that calls in by phone is
// acknowledged by the duty officer).
func (s Staff) isStaff() bool {
	for _, r := range s.Roles {
		if _, ok := UnitOfRole(r); !ok {
			return true
		}
	}
	return false
}

// mayActFor reports whether the caller may read and answer for unit: staff
// for every unit, a member-unit token for its own unit only.
func (s Staff) mayActFor(unit string) bool {
	return s.isStaff() || slices.Contains(s.Roles, UnitRolePrefix+unit) || slices.Contains(s.Roles, SourceRolePrefix+unit)
}

// refuseUnitTokens keeps member-unit tokens out of the staff endpoints
// (proposals, audit, deliveries, the board…): 403.
func refuseUnitTokens() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !staffOf(c).isStaff() {
			writeError(c, aqwarn.Errorf(aqwarn.EFORBIDDEN, "a member unit's token opens only /api/v1/units/{unit}/… of its own unit"))
			return
		}
		c.Next()
	}
}

// requireOwnUnit admits staff, and a member unit's token for the :unit of
// the path only: 403 for another unit's.
func requireOwnUnit() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !staffOf(c).mayActFor(c.Param("unit")) {
			writeError(c, aqwarn.Errorf(aqwarn.EFORBIDDEN, "this token speaks for another member unit, not %q", c.Param("unit")))
			return
		}
		c.Next()
	}
}

// meView is who a token speaks for: its user and roles, named as the plan
// names them where it does.
type meView struct {
	User  string       `json:"user"`
	Roles []alert.Role `json:"roles"`
}

// handleMe answers GET /api/v1/me: the console says whom the typed-in token
// signs as before anyone approves with it.
func handleMe(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		st := staffOf(c)
		v := meView{User: st.User, Roles: []alert.Role{}}
		for _, id := range st.Roles {
			r := alert.Role{ID: id}
			if a != nil && a.Plan != nil {
				for _, pr := range a.Plan.Roles {
					if pr.ID == id {
						r = pr
					}
				}
				if unit, ok := UnitOfRole(id); ok {
					for _, u := range a.Plan.Units {
						if u.ID == unit {
							r.NameZH, r.NameEN = u.NameZH, u.NameEN
						}
					}
				}
			}
			v.Roles = append(v.Roles, r)
		}
		c.JSON(http.StatusOK, v)
	}
}

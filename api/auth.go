package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
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
	hashes := make([][]byte, len(tokens))
	for i, t := range tokens {
		hashes[i], _ = hex.DecodeString(strings.ToLower(t.SHA256))
	}
	return func(c *gin.Context) {
		tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			c.Header("WWW-Authenticate", `Bearer realm="aqwarn"`)
			writeError(c, aqwarn.Errorf(aqwarn.EUNAUTHORIZED, "a staff bearer token is required"))
			return
		}
		sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
		found := -1
		for i, h := range hashes {
			// Compare with every hash so the time does not tell which matched.
			if subtle.ConstantTimeCompare(h, sum[:]) == 1 {
				found = i
			}
		}
		if found < 0 {
			c.Header("WWW-Authenticate", `Bearer realm="aqwarn", error="invalid_token"`)
			writeError(c, aqwarn.Errorf(aqwarn.EUNAUTHORIZED, "the bearer token is not valid"))
			return
		}
		c.Set(staffKey, Staff{User: tokens[found].User, Roles: tokens[found].Roles})
		c.Next()
	}
}

// requireRole admits staff holding any of the roles: 403 otherwise.
func requireRole(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		st := staffOf(c)
		for _, r := range roles {
			if slices.Contains(st.Roles, r) {
				c.Next()
				return
			}
		}
		writeError(c, aqwarn.Errorf(aqwarn.EFORBIDDEN, "this needs one of the roles %s", strings.Join(roles, ", ")))
	}
}

func staffOf(c *gin.Context) Staff {
	v, _ := c.Get(staffKey)
	st, _ := v.(Staff)
	return st
}

package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
)

// One error model end to end: the warning engine's errors carry a root
// code (which alone picks the HTTP status, from the one table) and their
// own code (what the client reads), with both languages in the message;
// wrapped errors keep both.
func TestOneErrorModel(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		// A transition that makes no sense: 422 with the engine's code.
		{&alert.Error{Code: alert.CodeTransitionInvalid, Message: "there is no warning in force to lift", MessageZH: "当前没有生效的预警，无法解除"}, 422, "transition_invalid"},
		// A signature on a closed proposal: 409.
		{fmt.Errorf("sign: %w", &alert.Error{Code: alert.CodeApprovalClosed, Message: "closed"}), 409, "approval_closed"},
		// A role the chain lacks: 403.
		{&alert.Error{Code: alert.CodeRoleNotInChain, Message: "not in chain"}, 403, "approval_role_not_in_chain"},
		// No such proposal: 404 with the root code.
		{&alert.Error{Code: alert.CodeNotFound, Message: "no proposal 9"}, 404, "not_found"},
		// A root error as before.
		{aqwarn.Errorf(aqwarn.ECONFLICT, "busy"), 409, "conflict"},
		// Anything else is internal and says nothing of itself.
		{fmt.Errorf("disk on fire"), 500, "internal"},
	} {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/x", nil)
		writeError(c, tc.err)
		var body errorBody
		json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != tc.status || body.Error.Code != tc.code {
			t.Errorf("%v: %d %q, want %d %q", tc.err, w.Code, body.Error.Code, tc.status, tc.code)
		}
		if tc.code == "transition_invalid" && !strings.Contains(body.Error.Message, "当前没有生效的预警") {
			t.Errorf("the message lacks the Chinese text: %q", body.Error.Message)
		}
		if tc.status == 500 && strings.Contains(body.Error.Message, "fire") {
			t.Errorf("an internal detail was shown: %q", body.Error.Message)
		}
	}
}

package alert

import (
	"errors"
	"strings"

	"github.com/aqwarn/aqwarn"
)

// Error codes. They are stable strings so the API can map each one to an HTTP
// status in its single table; alert itself maps nothing.
const (
	CodePlanInvalid        = "plan_invalid"          // the plan file is unreadable or inconsistent
	CodeNoChain            = "approval_no_chain"     // the plan has no chain for this proposal
	CodeApprovalClosed     = "approval_closed"       // already approved or rejected
	CodeOutOfOrder         = "approval_out_of_order" // a later step signed before an earlier one is complete
	CodeUnknownRole        = "approval_unknown_role" // the role is not in the plan
	CodeRoleNotInChain     = "approval_role_not_in_chain"
	CodeDuplicateRole      = "approval_duplicate_role" // the role has already signed this proposal
	CodeDuplicateUser      = "approval_duplicate_user" // one person cannot fill two roles of a chain
	CodeStepComplete       = "approval_step_complete"  // an any-of step was already signed by another role
	CodeReasonRequired     = "approval_reason_required"
	CodeUserRequired       = "approval_user_required"
	CodeTimeRequired       = "approval_time_required"
	CodeTimeOrder          = "approval_time_order" // a signature dated before the previous one
	CodeProposalIncomplete = "approval_proposal_incomplete"
)

// Error is alert's error shape: a machine code and a message for people, in
// English and Chinese. Problems lists every finding when one check found many
// (plan validation reports all of them at once).
type Error struct {
	Code      string
	Message   string
	MessageZH string
	Problems  []string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	b.WriteString(": ")
	b.WriteString(e.Message)
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	return b.String()
}

// Unwrap gives the service's one error shape (aqwarn.Error): the root code
// of kindOf (which decides the HTTP status), alert's code as its Reason,
// and a message with the problems and the Chinese text. So
// aqwarn.ErrorCode works on alert's errors everywhere.
func (e *Error) Unwrap() error {
	msg := e.Message
	if len(e.Problems) > 0 {
		msg += ": " + strings.Join(e.Problems, "; ")
	}
	if e.MessageZH != "" {
		msg += " (" + e.MessageZH + ")"
	}
	kind, ok := kindOf[e.Code]
	if !ok {
		kind = aqwarn.EINVALID
	}
	return &aqwarn.Error{Code: kind, Reason: e.Code, Message: msg}
}

// kindOf is the root code of each of alert's codes: the one place that
// says which is the caller's mistake, which a clash with the state, which
// a role's. (api maps root codes to HTTP statuses in its one table.)
var kindOf = map[string]string{
	CodePlanInvalid:        aqwarn.EINVALID,
	CodeNoChain:            aqwarn.EINVALID,
	CodeApprovalClosed:     aqwarn.ECONFLICT,
	CodeOutOfOrder:         aqwarn.ECONFLICT,
	CodeStepComplete:       aqwarn.ECONFLICT,
	CodeDuplicateRole:      aqwarn.ECONFLICT,
	CodeDuplicateUser:      aqwarn.ECONFLICT,
	CodeTimeOrder:          aqwarn.ECONFLICT,
	CodeUnknownRole:        aqwarn.EFORBIDDEN,
	CodeRoleNotInChain:     aqwarn.EFORBIDDEN,
	CodeReasonRequired:     aqwarn.EINVALID,
	CodeUserRequired:       aqwarn.EINVALID,
	CodeTimeRequired:       aqwarn.EINVALID,
	CodeProposalIncomplete: aqwarn.EINVALID,
	CodeForecastInvalid:    aqwarn.EINVALID,
	CodeUnknownRegion:      aqwarn.EINVALID,
	CodeTransitionInvalid:  aqwarn.EINVALID,
	CodeNotFound:           aqwarn.ENOTFOUND,
}

// ErrorCode returns the code of the first *Error in err's chain, or "" when
// there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// CodeUnknownRegion: the region is not covered by the plan.
const CodeUnknownRegion = "unknown_region"

// CodeNotFound: no such proposal or warning.
const CodeNotFound = "not_found"

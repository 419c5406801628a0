package alert

import (
	"errors"
	"strings"
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

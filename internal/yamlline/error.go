package yamlline

import (
	"strings"

	"github.com/aqwarn/aqwarn"
)

// Error is a data file that does not load (a plan's companions: the
// reduction list, the targets, the compliance parameters, inventory,
// checklists and consequences): a message and every problem, each
// beginning "line N: " where its line is known. It unwraps to aqwarn.Error
// with code EINVALID and the file's Reason, so aqwarn.ErrorCode and the
// API's one table work on it.
type Error struct {
	Reason   string // e.g. reduction_list_invalid
	Message  string
	Problems []string
	Err      error // a read failure, when there is one
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	for _, p := range e.Problems {
		b.WriteString("\n  - " + p)
	}
	return b.String()
}

// Unwrap gives aqwarn.Error{Code: EINVALID, Reason: e.Reason} with the
// problems in its message.
func (e *Error) Unwrap() error {
	msg := e.Message
	if len(e.Problems) > 0 {
		msg += ": " + strings.Join(e.Problems, "; ")
	}
	return &aqwarn.Error{Code: aqwarn.EINVALID, Reason: e.Reason, Message: msg, Err: e.Err}
}

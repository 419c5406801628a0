package yamlline

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

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

// Problems collects a data file's problems, each beginning "line N: "
// with the line of the value it is about: the one checker of every file
// the plan's companions load (the reduction list, the targets, the
// compliance parameters and inventory, the checklists and consequences).
type Problems struct {
	Root *yaml.Node // the decoded file; nil or empty: no lines
	List []string
}

// Add records a problem at the value at path (mapping keys and sequence
// indexes from the top of the file; see Find).
func (p *Problems) Add(path []any, format string, args ...any) {
	p.List = append(p.List, p.Line(path...)+fmt.Sprintf(format, args...))
}

// Line is "line N: " for the value at path, as yaml's own errors begin, or
// "" when there is no file. A path that is not in the file (a key left
// out) gives the line of the deepest part that is, so a missing field
// points at its block.
func (p *Problems) Line(path ...any) string {
	if p.Root == nil || len(p.Root.Content) == 0 {
		return ""
	}
	if line, _ := Find(p.Root, path...); line > 0 {
		return fmt.Sprintf("line %d: ", line)
	}
	return ""
}

package reduction

import (
	"errors"
	"fmt"
	"os"

	"github.com/aqwarn/aqwarn/internal/yamlline"
)

// Refs are the plan's vocabularies a list refers to. The caller takes them
// from the loaded plan (its units' ids, its regions' ids, alert.ChannelKinds),
// which keeps this package independent of the warning engine.
type Refs struct {
	// Units are the plan's member unit ids: supervising units and the
	// notices' office must be among them.
	Units []string
	// Regions are the plan's region ids: the list's county and every
	// source's town must be among them.
	Regions []string
	// ChannelKinds are the kinds the service delivers on; a firm's channel
	// may be one of them or sms.
	ChannelKinds []string
}

// CodeListInvalid is the Reason of a list that does not load.
const CodeListInvalid = "reduction_list_invalid"

// Error is a list that does not load: a message and every problem, each
// beginning "line N: " where its line is known (yamlline.Error, Reason
// CodeListInvalid).
type Error = yamlline.Error

func listError(problems []string) *Error {
	return &Error{Reason: CodeListInvalid, Message: fmt.Sprintf("invalid reduction list: %d problem(s)", len(problems)), Problems: problems}
}

// Load reads and validates a list file (Parse).
func Load(path string, refs Refs) (*List, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Reason: CodeListInvalid, Message: "read reduction list", Err: err}
	}
	l, err := Parse(b, refs)
	var e *Error
	if errors.As(err, &e) {
		e.Message = path + ": " + e.Message
	}
	return l, err
}

// Parse decodes and validates a list. Unknown keys are errors anywhere (a
// misspelt key must not drop a measure or a channel), and so are values
// outside the list's vocabularies and ids the plan does not know. The
// error lists every problem, with its line where one is known.
func Parse(b []byte, refs Refs) (*List, error) {
	var l List
	root, problems, err := yamlline.Decode(b, &l)
	if err != nil && !errors.Is(err, yamlline.ErrEmpty) { // an empty list is checked, and found wanting
		return nil, listError([]string{err.Error()})
	}
	c := checker{refs: refs}
	c.Root = root
	c.list(&l)
	problems = append(problems, c.List...)
	if len(problems) > 0 {
		return nil, listError(problems)
	}
	l.index()
	return &l, nil
}

// index builds the lookup by id of a list that validated (ids unique).
func (l *List) index() {
	l.byID = make(map[string]int, len(l.Enterprises))
	for i, e := range l.Enterprises {
		l.byID[e.ID] = i
	}
}

// Enterprise finds a source by id.
func (l *List) Enterprise(id string) (*Enterprise, bool) {
	if l.byID != nil {
		if i, ok := l.byID[id]; ok {
			return &l.Enterprises[i], true
		}
		return nil, false
	}
	for i := range l.Enterprises { // a List built by hand
		if l.Enterprises[i].ID == id {
			return &l.Enterprises[i], true
		}
	}
	return nil, false
}

// checker collects a list's problems with the lines of their values.
type checker struct {
	yamlline.Problems
	refs Refs
}

// p builds a path for Add and Line.
func p(steps ...any) []any { return steps }

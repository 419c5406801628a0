package yamlline

import (
	"errors"
	"strings"
	"testing"

	"github.com/aqwarn/aqwarn"
	"gopkg.in/yaml.v3"
)

// A file's error lists every problem and unwraps to the service's one
// error shape with its reason.
func TestError(t *testing.T) {
	err := error(&Error{Reason: "x_invalid", Message: "invalid x: 2 problem(s)", Problems: []string{"line 3: a", "line 9: b"}})
	if got := err.Error(); got != "invalid x: 2 problem(s)\n  - line 3: a\n  - line 9: b" {
		t.Errorf("Error() = %q", got)
	}
	var ae *aqwarn.Error
	if !errors.As(err, &ae) || ae.Code != aqwarn.EINVALID || ae.Reason != "x_invalid" || !strings.Contains(ae.Message, "line 9: b") {
		t.Errorf("unwraps to %+v", ae)
	}
	read := &Error{Reason: "x_invalid", Message: "read x", Err: errors.New("no such file")}
	if read.Error() != "read x: no such file" || !errors.Is(read, read.Err) {
		t.Errorf("a read failure: %q", read.Error())
	}
}

// Problems prefixes each problem with the line of its value (the deepest
// part of the path in the file when the rest is missing), and with no
// file gives the bare message.
func TestProblems(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte("id: x\nsources:\n  - id: a\n    grade: Q\n"), &root); err != nil {
		t.Fatal(err)
	}
	p := Problems{Root: &root}
	p.Add([]any{"sources", 0, "grade"}, "grade %q is not a grade", "Q")
	p.Add([]any{"sources", 0, "town"}, "town: missing")
	var none Problems
	none.Add([]any{"id"}, "id: missing")
	want := []string{`line 4: grade "Q" is not a grade`, "line 3: town: missing"}
	if len(p.List) != 2 || p.List[0] != want[0] || p.List[1] != want[1] {
		t.Errorf("problems %q, want %q", p.List, want)
	}
	if len(none.List) != 1 || none.List[0] != "id: missing" {
		t.Errorf("without a file: %q", none.List)
	}
}

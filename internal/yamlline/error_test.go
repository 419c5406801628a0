package yamlline

import (
	"errors"
	"strings"
	"testing"

	"github.com/aqwarn/aqwarn"
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

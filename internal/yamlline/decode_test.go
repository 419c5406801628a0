package yamlline_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aqwarn/aqwarn/internal/yamlline"
)

func TestDecode(t *testing.T) {
	type doc struct {
		Name  string `yaml:"name"`
		Count int    `yaml:"count"`
	}
	for _, tc := range []struct {
		name     string
		in       string
		want     doc
		problems []string // substrings, one per problem
		err      error    // ErrEmpty, or any non-nil (errors.New("")) for a parse error
	}{
		// A good file decodes and has its node tree.
		{name: "ok", in: "name: a\ncount: 2\n", want: doc{"a", 2}},
		// A misspelt key is a problem with its line; the rest is decoded.
		{name: "typo", in: "nmae: a\ncount: 2\n", want: doc{Count: 2}, problems: []string{"line 1: field nmae not found"}},
		// A type error is a problem too, and the other keys still decode.
		{name: "type", in: "name: a\ncount: many\n", want: doc{Name: "a"}, problems: []string{"line 2: cannot unmarshal"}},
		// An empty file is ErrEmpty: the loader decides what it means.
		{name: "empty", in: "", err: yamlline.ErrEmpty},
		// Text that is not YAML is an error, nothing to check.
		{name: "broken", in: "name: [a\n", err: errors.New("")},
	} {
		var d doc
		root, problems, err := yamlline.Decode([]byte(tc.in), &d)
		switch {
		case tc.err == nil && err != nil:
			t.Errorf("%s: error %v", tc.name, err)
		case tc.err == yamlline.ErrEmpty && !errors.Is(err, yamlline.ErrEmpty):
			t.Errorf("%s: error %v, want ErrEmpty", tc.name, err)
		case tc.err != nil && err == nil:
			t.Errorf("%s: no error", tc.name)
		}
		if d != tc.want {
			t.Errorf("%s: decoded %+v, want %+v", tc.name, d, tc.want)
		}
		if len(problems) != len(tc.problems) {
			t.Errorf("%s: problems %q, want %d", tc.name, problems, len(tc.problems))
		}
		for i := range min(len(problems), len(tc.problems)) {
			if !strings.Contains(problems[i], tc.problems[i]) {
				t.Errorf("%s: problem %q, want it to contain %q", tc.name, problems[i], tc.problems[i])
			}
		}
		if (tc.err == nil) != (root != nil) {
			t.Errorf("%s: root %v with error %v", tc.name, root, err)
		}
	}
}

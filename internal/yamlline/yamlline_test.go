package yamlline

import (
	"testing"

	"gopkg.in/yaml.v3"
)

const doc = `id: x
levels:
  - id: yellow
    any_of:
      - {aqi_above: 200}
  - id: orange
alias: &a {k: v}
again: *a
`

func TestFind(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		path  []any
		line  int
		found bool
	}{
		// A scalar is on its own line.
		{"top scalar", []any{"id"}, 1, true},
		// A block sequence under a key is on the key's line.
		{"block under a key", []any{"levels"}, 2, true},
		// An item of a sequence, and a scalar in it.
		{"second item", []any{"levels", 1}, 6, true},
		{"flow mapping value", []any{"levels", 0, "any_of", 0, "aqi_above"}, 5, true},
		// Aliases are followed.
		{"through an alias", []any{"again", "k"}, 7, true},
		// A key left out: the line of the deepest part that is there.
		{"missing key", []any{"levels", 0, "name_zh"}, 3, false},
		// An index past the end.
		{"index out of range", []any{"levels", 5}, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line, found := Find(&root, tc.path...)
			if line != tc.line || found != tc.found {
				t.Errorf("Find = %d, %v; want %d, %v", line, found, tc.line, tc.found)
			}
		})
	}
	if line, found := Find(nil, "id"); line != 0 || found {
		t.Errorf("nil root: %d %v", line, found)
	}
}

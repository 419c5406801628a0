package yamlline

import (
	"bytes"
	"errors"
	"io"

	"gopkg.in/yaml.v3"
)

// ErrEmpty is Decode's error for a file with no document: the loader says
// whether that is a problem (a plan is checked as one without anything in
// it; the targets must hold some).
var ErrEmpty = errors.New("the file is empty")

// Decode decodes b into v strictly: a key v does not have is an error (a
// misspelt key must not silently drop a rule, a measure or a secret). Type
// errors, unknown keys among them, leave the rest decoded; they come back
// as problems, so the loader checks the rest too and one run reports
// everything. root is the same text as a node tree, for the lines of the
// loader's own problems (Problems.Root).
//
// err is ErrEmpty for an empty file, or the parser's error for text that
// is not YAML (then nothing is decoded worth checking).
func Decode(b []byte, v any) (root *yaml.Node, problems []string, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.Is(err, io.EOF):
			return nil, nil, ErrEmpty
		case errors.As(err, &te):
			problems = te.Errors
		default:
			return nil, nil, err
		}
	}
	// It decoded above, so it parses.
	var n yaml.Node
	if yaml.Unmarshal(b, &n) != nil {
		return nil, problems, nil
	}
	return &n, problems, nil
}

// Package yamlline finds where a value is in a YAML file, for the strict
// loaders (the plan, the reduction list) that report every problem with
// its line.
package yamlline

import "gopkg.in/yaml.v3"

// Find returns the line of the value at path in the document root (path
// steps are mapping keys, string, and sequence indexes, int, from the top
// of the file; aliases are followed). A mapping or sequence under a key is
// on the key's line (a block one starts below it). When the path is not
// all in the file (a key left out), line is that of its deepest part that
// is and found is false. A root that holds no document gives 0, false.
func Find(root *yaml.Node, path ...any) (line int, found bool) {
	if root == nil || len(root.Content) == 0 {
		return 0, false
	}
	n := root.Content[0]
	at := n.Line
	for _, step := range path {
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		var next *yaml.Node
		switch s := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == s {
						next, at = n.Content[i+1], n.Content[i].Line
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s >= 0 && s < len(n.Content) {
				next = n.Content[s]
				at = next.Line
			}
		}
		if next == nil {
			return at, false
		}
		n = next
	}
	if n.Kind == yaml.ScalarNode {
		at = n.Line
	}
	return at, true
}

package notify_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aqwarn/aqwarn/alert"
)

// TestChannelKindsArePlanVocabulary: the channel kinds a plan may name
// (alert.ChannelKinds, checked at load) are exactly notify's Channel*
// constants, read from this package's source so that a kind added to
// either side alone fails here: it would refuse a plan the service can
// serve, or accept one whose deliveries fail at the first warning.
func TestChannelKindsArePlanVocabulary(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var ours []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				v := s.(*ast.ValueSpec)
				for i, id := range v.Names {
					if !strings.HasPrefix(id.Name, "Channel") || i >= len(v.Values) {
						continue
					}
					if lit, ok := v.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						kind, _ := strconv.Unquote(lit.Value)
						ours = append(ours, kind)
					}
				}
			}
		}
	}
	plan := alert.ChannelKinds()
	slices.Sort(ours)
	slices.Sort(plan)
	if len(ours) == 0 || !slices.Equal(ours, plan) {
		t.Errorf("notify's Channel* constants %v, the plan's channel kinds %v", ours, plan)
	}
}

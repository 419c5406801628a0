package inspect

import (
	"os"
	"strings"
	"testing"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
)

const (
	checklistsPath   = "../../configs/compliance/checklists.yaml"
	consequencesPath = "../../configs/compliance/consequences.yaml"
	planPath         = "../../configs/plans/jianghua-2024.yaml"
)

func planRoles(t testing.TB) []string {
	t.Helper()
	p, err := alert.LoadPlan(planPath)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range p.Roles {
		out = append(out, r.ID)
	}
	return out
}

func shippedChecklists(t testing.TB) *Checklists {
	t.Helper()
	b, err := os.ReadFile(checklistsPath)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := ParseChecklists(b)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func shippedConsequences(t testing.TB) *Consequences {
	t.Helper()
	b, err := os.ReadFile(consequencesPath)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := ParseConsequences(b, planRoles(t))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// The shipped files load: a checklist for every source type, a chain for
// every kind, a catch-all penalty basis.
func TestShippedConfig(t *testing.T) {
	cl := shippedChecklists(t)
	for _, st := range SourceTypes {
		if cl.For(st) == nil {
			t.Errorf("no checklist for %s", st)
		}
	}
	if cl.DueWithin.Hours() != 24 {
		t.Errorf("due within %v, want the notes' 24 h", cl.DueWithin)
	}
	cs := shippedConsequences(t)
	for _, k := range Kinds {
		if _, ok := cs.Chain(k); !ok {
			t.Errorf("no chain for %s", k)
		}
	}
	if ch, _ := cs.Chain(KindPenalty); len(ch.Steps) != 2 || ch.Steps[0].AllOf[0] != "enforcement_brigade" || ch.Steps[1].AllOf[0] != "branch_leader" {
		t.Errorf("the penalty chain %+v, want the brigade then the branch head", ch.Steps)
	}
}

// A bad file is refused with every problem, each with its line.
func TestConfigRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parse func([]byte) error
		text  string
		want  []string // each must be in the error
	}{
		// A misspelt key, a source type left without a checklist, another
		// unknown, a duplicate item, a missing text, a zero deadline.
		{"checklists", func(b []byte) error { _, err := ParseChecklists(b); return err }, `id: x
due_within: 0s
max_photos: 3
checklists:
  - id: a
    name_zh: 甲
    name_en: A
    source_types: [industrial, dust_mine, spaceport]
    itmes: []
  - id: b
    name_zh: 乙
    name_en: B
    source_types: [industrial]
    items:
      - {id: one, text_zh: 一, text_en: one}
      - {id: one, text_zh: 二}
`, []string{"line 9: field itmes not found", "line 2: due_within", `line 8: checklist a: "spaceport" is not a source type`,
			"line 5: checklist a has no items", "line 13: checklist b: source type industrial already has checklist a",
			"line 16: checklist b, item 2: an id is required, once", "checklist b, item one: text_zh and text_en are required",
			"source type dust_construction has no checklist", "source type mobile_bulk has no checklist"}},
		// An unknown role, a missing chain, an unknown rule, a last basis
		// that does not match every case, a bad season day.
		{"consequences", func(b []byte) error { _, err := ParseConsequences(b, planRoles(t)); return err }, `id: x
repeat: {count: 0, season_starts: ["13-01"]}
downgrade: {source_types: [industrial], basis_zh: 降级, basis_en: down}
stop_order: {basis_zh: 停产, basis_en: stop}
penalties:
  - {id: p1, rules: [R9_gate], basis_zh: 甲, basis_en: a}
chains:
  - kind: penalty
    name_zh: 处罚
    name_en: Penalty
    steps: [{id: s, name_zh: 局长, name_en: Head, all_of: [mayor]}]
  - kind: downgrade
    name_zh: 降级
    name_en: Down
    steps: [{id: s, name_zh: 局长, name_en: Head, all_of: [branch_leader]}]
`, []string{"line 2: repeat.count must be at least 1", `line 2: "13-01" is not a day MM-DD`, `line 6: penalty p1: "R9_gate" is not a rule`,
			"line 6: penalty p1: the last basis must match every case", `line 11: chain penalty, step 1: role "mayor" is not in the plan`,
			"no chain for stop_order"}},
	} {
		err := tc.parse([]byte(tc.text))
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if aqwarn.ErrorCode(err) != aqwarn.EINVALID || aqwarn.ErrorReason(err) != CodeConfigInvalid {
			t.Errorf("%s: code %q reason %q", tc.name, aqwarn.ErrorCode(err), aqwarn.ErrorReason(err))
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: the error does not say %q:\n%v", tc.name, w, err)
			}
		}
	}
}

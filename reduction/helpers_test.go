package reduction

import (
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/aqi"
)

const (
	planPath = "../configs/plans/jianghua-2024.yaml"
	demoPath = "../configs/reduction/jianghua-2026.yaml"
)

// goldenNow is a winter warning day of the 2026–27 season: coat-x's grade
// (through 2026-11-30) has lapsed, every other grade is in force.
var goldenNow = time.Date(2026, time.December, 15, 10, 0, 0, 0, aqi.CST)

var (
	refsOnce sync.Once
	refs     Refs
	refsErr  error
)

// planRefs are the county plan's units, regions and channel kinds, as the
// service passes them.
func planRefs(t testing.TB) Refs {
	t.Helper()
	refsOnce.Do(func() {
		p, err := alert.LoadPlan(planPath)
		if err != nil {
			refsErr = err
			return
		}
		for _, u := range p.Units {
			refs.Units = append(refs.Units, u.ID)
		}
		for _, r := range p.Regions {
			refs.Regions = append(refs.Regions, r.ID)
		}
		refs.ChannelKinds = alert.ChannelKinds()
	})
	if refsErr != nil {
		t.Fatalf("load plan: %v", refsErr)
	}
	return refs
}

// demo loads the shipped demo list with the plan's refs.
func demo(t testing.TB) *List {
	t.Helper()
	l, err := Load(demoPath, planRefs(t))
	if err != nil {
		t.Fatalf("demo list: %v", err)
	}
	return l
}

// instruction finds one source's instruction.
func instruction(t *testing.T, ins []Instruction, id string) Instruction {
	t.Helper()
	for _, i := range ins {
		if i.Source == id {
			return i
		}
	}
	t.Fatalf("no instruction for %s", id)
	return Instruction{}
}

// mustDate is ParseDate for constants in tests.
func mustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

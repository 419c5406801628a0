package inspect

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/internal/testflags"
)

var update = testflags.Update

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n%s", name, got)
	}
}

// The discipline commission's export: the confirmed cases only, with
// what was found, the photos' hashes and the consequences; a cell that
// starts like a formula is made inert.
func TestCasesGolden(t *testing.T) {
	l := newLoop(t)
	l.engine.set(ev(compliance.RuleStopNotExecuted, "cem-b", "kiln1", 0, 2), ev(compliance.RuleNightProduction, "cem-b", "", 0, 8),
		ev(compliance.RuleStopNotExecuted, "cem-c", "", 0, 2))
	l.poll(t)
	l.set(at(30)) // concluded after its due time: late
	cem := l.inspectionOf(t, "cem-b")
	l.answerAll(t, cem, "insp-li", "line_stopped", "ledger")
	if _, err := l.AddPhoto(l.ctx(), cem.ID, "insp-li", "image/jpeg", []byte("\xff\xd8\xff kiln running")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Conclude(l.ctx(), cem.ID, "insp-li", compliance.StateConfirmed, "=HYPERLINK(\"x\") 1号窑在生产，台账缺失"); err != nil {
		t.Fatal(err)
	}
	other := l.inspectionOf(t, "cem-c")
	l.answerAll(t, other, "insp-li")
	if _, _, err := l.Conclude(l.ctx(), other.ID, "insp-li", compliance.StateDismissed, "已停产"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := l.WriteCases(l.ctx(), &b); err != nil {
		t.Fatal(err)
	}
	golden(t, "cases.csv", b.Bytes())
	if strings.Contains(b.String(), "cem-c") || !strings.Contains(b.String(), "'=HYPERLINK") {
		t.Errorf("the export has the dismissed case or a live formula:\n%s", b.String())
	}
}

// The report's section: the orange sources with measures, the episode's
// events with their inspection and consequences.
func TestComplianceSection(t *testing.T) {
	l := newLoop(t)
	l.engine.set(ev(compliance.RuleStopNotExecuted, "cem-b", "kiln1", 0, 2), ev(compliance.RuleDataGap, "site-1", "", 1, 4),
		ev(compliance.RuleStopNotExecuted, "coat-d", "", 200, 202)) // after the episode
	l.poll(t)
	l.confirm(t, l.inspectionOf(t, "cem-b"), "insp")
	c, err := l.ComplianceSection(l.ctx(), "orange", at(-10), at(72), at(80))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) < 20 || len(c.Events) != 2 || len(c.Inspections) != 2 || len(c.Consequences) != 2 {
		t.Fatalf("section: %d sources, %d events, %d inspections, %d consequences", len(c.Sources), len(c.Events), len(c.Inspections), len(c.Consequences))
	}
	if c.Events[0].Source != "cem-b" || c.Events[0].State != "confirmed" || c.Inspections[0].Outcome != "confirmed" ||
		c.Consequences[0].Kind != KindPenalty || c.Consequences[1].ToGrade != "C" {
		t.Errorf("section: %+v", c)
	}
	for _, s := range c.Sources {
		if s.ID == "lime-1" {
			t.Error("the long-stopped lime kiln (nothing to do) counts as a source with measures")
		}
	}
	if c.Accounting != nil {
		t.Error("an accounting section without an inventory")
	}
	// With the shipped parameters and illustrative inventory the section
	// has the orange accounting: four pollutants; the demo list never
	// reaches the VOCs share, and the row says by how much.
	pb, err := os.ReadFile("../../configs/compliance/defaults.yaml")
	if err != nil {
		t.Fatal(err)
	}
	params, err := compliance.ParseParams(pb)
	if err != nil {
		t.Fatal(err)
	}
	ib, err := os.ReadFile("../../configs/compliance/inventory-jianghua.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if l.Inventory, err = compliance.ParseInventory(ib); err != nil {
		t.Fatal(err)
	}
	l.Accounting = &params.Accounting
	c, err = l.ComplianceSection(l.ctx(), "orange", at(-10), at(72), at(80))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Accounting
	if a == nil || a.Level != "orange" || len(a.Rows) != 4 || a.Met {
		t.Fatalf("accounting %+v", a)
	}
	vocs := 0
	for _, r := range a.Rows {
		if !strings.EqualFold(r.Pollutant, "vocs") {
			continue
		}
		vocs++
		if r.Met || r.ShortfallPct <= 0 || r.AchievedPct+r.ShortfallPct < r.RequiredPct-0.05 {
			t.Errorf("VOCs row %+v: want a shortfall that makes up the required share", r)
		}
	}
	if vocs != 1 {
		t.Errorf("%d VOCs rows", vocs)
	}
}

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aqwarn/aqwarn/compliance/compliancecli"
	"github.com/aqwarn/aqwarn/compliance/compliancetest"
)

// The engine is tested in package compliance and the files in
// compliance/compliancecli; these are the flags.

func runComplianceText(args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = run(context.Background(), append([]string{"compliance"}, args...), nil, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func TestComplianceFlags(t *testing.T) {
	// -h prints the usage and is not an error.
	_, errOut, err := runComplianceText("-h")
	if err != nil || !strings.Contains(errOut, "aqwarn compliance") || !strings.Contains(errOut, "-warnings") {
		t.Errorf("-h: %v %q", err, errOut)
	}
	for _, args := range [][]string{
		{},                       // no files
		{"--now", "yesterday"},   // not RFC 3339
		{"--from", "2026-02-25"}, // a day, not a time
		{"--format", "xml"},      // unknown format
		{"--list", "a", "extra"}, // stray argument
		{"--nope"},               // unknown flag
	} {
		if _, _, err := runComplianceText(args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// The flags reach the package: the generated scenario, text, ends with
// the counts per rule.
func TestComplianceScenario(t *testing.T) {
	const list = "../../compliance/testdata/scenario-list.yaml"
	l, err := compliancecli.LoadList(list, compliancecli.DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	s, err := compliancetest.Generate(l, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := s.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	out, _, err := runComplianceText("--list", list, "--format", "text",
		"--power", filepath.Join(dir, compliancetest.PowerFile), "--warnings", filepath.Join(dir, compliancetest.WarningsFile),
		"--calendar", filepath.Join(dir, compliancetest.CalendarFile), "--approvals", filepath.Join(dir, compliancetest.ApprovalsFile),
		"--emissions", filepath.Join(dir, compliancetest.EmissionsFile), "--now", "2026-03-02T00:00:00+08:00")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out, "events per rule: R1 6 R2 1 R3 6 R4 1 R5 1 R6 1 R7 1 R8 1\n") {
		t.Errorf("output ends %q", out[max(0, len(out)-200):])
	}
}

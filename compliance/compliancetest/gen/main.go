// Command gen writes the compliance scenario's files (package
// compliancetest) for a try of `aqwarn compliance` by hand:
//
//	go run ./compliance/compliancetest/gen -out /tmp/scenario
//	aqwarn compliance --list compliance/testdata/scenario-list.yaml \
//	  --power /tmp/scenario/power.csv --warnings /tmp/scenario/warnings.json \
//	  --calendar /tmp/scenario/calendar.json --approvals /tmp/scenario/approvals.json \
//	  --emissions /tmp/scenario/emissions.csv --format text
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/aqwarn/aqwarn/compliance/compliancecli"
	"github.com/aqwarn/aqwarn/compliance/compliancetest"
)

func main() {
	list := flag.String("list", "compliance/testdata/scenario-list.yaml", "the scenario's reduction list")
	plan := flag.String("plan", compliancecli.DefaultPlan, "the plan the list is checked against")
	out := flag.String("out", "", "directory to write the files to")
	seed := flag.Uint64("seed", 1, "noise seed")
	flag.Parse()
	if err := run(*list, *plan, *out, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(list, plan, out string, seed uint64) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	l, err := compliancecli.LoadList(list, plan)
	if err != nil {
		return err
	}
	s, err := compliancetest.Generate(l, seed)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	return s.WriteFiles(out)
}

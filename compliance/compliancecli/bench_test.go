package compliancecli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aqwarn/aqwarn/compliance/compliancetest"
)

// BenchmarkReadPower reads the scenario's power CSV (≈ 170 k rows) and
// reports rows per second: what `aqwarn compliance` spends before the
// engine runs.
func BenchmarkReadPower(b *testing.B) {
	dir := scenarioFiles(b)
	data, err := os.ReadFile(filepath.Join(dir, compliancetest.PowerFile))
	if err != nil {
		b.Fatal(err)
	}
	l, err := LoadList(scenarioList, DefaultPlan)
	if err != nil {
		b.Fatal(err)
	}
	rows := float64(bytes.Count(data, []byte("\n")) - 1)
	for b.Loop() {
		if _, err := ReadPower(context.Background(), bytes.NewReader(data), l); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(rows, "rows")
	b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

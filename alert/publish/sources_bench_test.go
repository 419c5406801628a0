package publish_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert/publish"
	"github.com/aqwarn/aqwarn/reduction"
)

// BenchmarkOrangeFanOut500Sources: an orange warning is issued to 500
// listed sources (the demo list's 30 repeated, ids renumbered) and the 24
// member units: compose (resolve every source's measures, CAP), write the
// fan-out to the delivery log and record every notice and task, on real
// SQLite. Each iteration is a new warning. Figures only: sources/s and
// deliveries/s.
func BenchmarkOrangeFanOut500Sources(b *testing.B) {
	ctx := context.Background()
	f := setup(b)
	src, _ := withList(b, f)
	demo := src.List
	big := &reduction.List{ID: demo.ID, Year: demo.Year, County: demo.County, Notices: demo.Notices, GradeDefaults: demo.GradeDefaults}
	for i := 0; len(big.Enterprises) < 500; i++ {
		e := demo.Enterprises[i%len(demo.Enterprises)]
		e.ID = fmt.Sprintf("%s-%03d", e.ID, i)
		big.Enterprises = append(big.Enterprises, e)
	}
	f.pub.Sources = publish.ListSources{List: big, Plan: f.plan}
	t0 := time.Date(2026, 12, 1, 16, 5, 0, 0, cst)
	f.now = t0
	n := 0
	for b.Loop() {
		n++
		// A second apart: CAP identifiers allow ten messages a second.
		c := change(fmt.Sprintf("w%d-t1", n), "issue", "none", "orange", t0.Add(time.Duration(n)*time.Second))
		c.WarningID = int64(n)
		if err := f.pub.Publish(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	es := entries(b, f, "cem-b-001")
	if len(es) != n*2 { // the task topic and the SMS number, each warning
		b.Fatalf("cem-b-001 has %d deliveries after %d warnings", len(es), n)
	}
	b.ReportMetric(float64(500*n)/b.Elapsed().Seconds(), "sources/s")
}

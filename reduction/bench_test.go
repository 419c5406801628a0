package reduction

import (
	"fmt"
	"os"
	"testing"
)

// bigList is a county-sized list of n sources made of the demo ones with
// renumbered ids, built as a struct (no parse, no credit codes needed).
func bigList(b *testing.B, n int) *List {
	d := demo(b)
	l := &List{ID: "bench", Year: d.Year, County: d.County, Notices: d.Notices, GradeDefaults: d.GradeDefaults}
	for i := range n {
		e := d.Enterprises[i%len(d.Enterprises)]
		e.ID = fmt.Sprintf("e%04d-%s", i, e.ID)
		l.Enterprises = append(l.Enterprises, e)
	}
	return l
}

// BenchmarkResolve500x4 resolves 500 sources at pre, yellow, orange and red
// per iteration (a warning's four notice rounds over a county-sized list).
func BenchmarkResolve500x4(b *testing.B) {
	const n = 500
	l := bigList(b, n)
	iters := 0
	for b.Loop() {
		for _, lv := range levels {
			if got := l.Resolve(lv, "pm25", goldenNow); len(got) != n {
				b.Fatalf("%d instructions", len(got))
			}
		}
		iters++
	}
	b.ReportMetric(float64(n*iters)/b.Elapsed().Seconds(), "sources/s")
}

// BenchmarkParseDemoList decodes and validates the demo list.
func BenchmarkParseDemoList(b *testing.B) {
	src, err := os.ReadFile(demoPath)
	if err != nil {
		b.Fatal(err)
	}
	refs := planRefs(b)
	for b.Loop() {
		if _, err := Parse(src, refs); err != nil {
			b.Fatal(err)
		}
	}
}

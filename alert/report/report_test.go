package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/internal/testflags"
)

var update = testflags.Update

// input is a three-day episode in two regions with a yellow warning
// upgraded to orange and lifted; one unit late to acknowledge, one late
// with its dispatch table.
func input() Input {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, cst)
	var tj, sk Series
	tj = Series{Region: "tuojiang", NameZH: "沱江镇", NameEN: "Tuojiang"}
	sk = Series{Region: "shuikou", NameZH: "水口镇", NameEN: "Shuikou"}
	for h := 0; h < 96; h++ {
		t := start.Add(time.Duration(h) * time.Hour)
		// A rise to ~260 on day 2–3, then a fall.
		v := 80 + 180*min(h, 60-min(h, 60))/30
		if h > 72 {
			v = 90
		}
		fc := 0
		if h%6 == 0 {
			fc = v + 15
		}
		tj.Points = append(tj.Points, Point{T: t, AQI: v, Forecast: fc})
		sk.Points = append(sk.Points, Point{T: t, AQI: v * 9 / 10})
	}
	sent := start.Add(16 * time.Hour)
	return Input{
		Title: "江华瑶族自治县重污染天气应急预案", EpisodeID: "jianghua-2026-12-01",
		Start: start, End: start.Add(96 * time.Hour), GeneratedAt: start.Add(10 * 24 * time.Hour),
		Series:    []Series{tj, sk},
		Forecasts: []DayForecast{{Region: "shuikou", Day: "2026-12-02", AQI: 240, Source: "county"}, {Region: "shuikou", Day: "2026-12-03", AQI: 150, Source: "county"}},
		Steps: []Step{
			{At: sent, Kind: "issue", Region: "jianghua", LevelID: "yellow", LevelZH: "黄色预警", LevelEN: "Yellow warning", Color: "#FFFF00"},
			{At: sent.Add(24 * time.Hour), Kind: "upgrade", Region: "jianghua", LevelID: "orange", LevelZH: "橙色预警", LevelEN: "Orange warning", Color: "#FF7E00"},
			{At: sent.Add(66 * time.Hour), Kind: "lift", Region: "jianghua", LevelID: "none", LevelZH: "无预警", LevelEN: "No warning"},
		},
		Units: []UnitName{{"education", "县教育局", "County Education Bureau"}, {"finance", "县财政局", "County Finance Bureau"},
			{"housing", "县住建局", "County Housing Bureau"}},
		Notices: []followup.Notice{
			{Transition: "w1-t1", Unit: "education", Sent: sent, AckedAt: sent.Add(3 * time.Minute)},
			{Transition: "w1-t1", Unit: "housing", Sent: sent, AckedAt: sent.Add(12 * time.Minute)},
			{Transition: "w1-t1", Unit: "finance", Sent: sent, Escalated: sent.Add(45 * time.Minute)},
		},
		Tasks: []followup.TaskState{
			{Unit: "education", Task: "r3-schools-reduce-outdoor", TextZH: "中小学减少户外活动", State: followup.TaskClosed, Updated: sent.Add(66 * time.Hour)},
			{Unit: "education", Task: "followup-dispatch-table", TextZH: "报送调度表", Kind: "followup", State: followup.TaskDone,
				Due: start.Add(5 * 24 * time.Hour), Updated: start.Add(4*24*time.Hour + 10*time.Hour), Note: "已报送"},
			{Unit: "housing", Task: "followup-dispatch-table", TextZH: "报送调度表", Kind: "followup", State: followup.TaskAssigned,
				Due: start.Add(5 * 24 * time.Hour), Updated: sent.Add(66 * time.Hour)},
		},
	}
}

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
		t.Errorf("%s differs from the golden file (run with -update to accept)", name)
	}
}

func TestReportGolden(t *testing.T) {
	in := input()
	h, err := HTML(in)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "episode.html", h)
	c, err := CSV(in)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "episode.csv", c)
	// Pure: the same input, the same bytes.
	h2, _ := HTML(input())
	if !bytes.Equal(h, h2) {
		t.Error("HTML differs between two runs")
	}
	for _, want := range []string{"<svg", "<polyline", "@media print", "县财政局", "未叫应"} {
		if !strings.Contains(string(h), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

func TestCompute(t *testing.T) {
	s := Compute(input())
	if s.Notices != 3 || s.Acked != 2 || s.Escalated != 1 {
		t.Errorf("notices %d acked %d escalated %d", s.Notices, s.Acked, s.Escalated)
	}
	if s.MedianAck != 12*time.Minute {
		t.Errorf("median ack = %v", s.MedianAck)
	}
	// finance did not acknowledge; housing missed its dispatch table;
	// education reported on time.
	var late []string
	for _, l := range s.Late {
		late = append(late, l.Unit+":"+l.What)
	}
	if strings.Join(late, ",") != "finance:ack,housing:followup-dispatch-table" {
		t.Errorf("late = %v", late)
	}
}

package simulate

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/aqi"
)

// oldDegraded is the degraded forecast's error as alert/replay had
// it before it moved here (degradedForecast.at), kept verbatim as the
// reference the moved model must match number for number.
type oldDegraded struct {
	seed   uint64
	issued time.Time
	path   []float64
}

func oldSigmaAt(lead time.Duration) float64 { return 0.15 + 0.10*max(lead.Hours(), 0)/24 }

func (d *oldDegraded) at(now time.Time, horizon int) func(time.Time) float64 {
	issued := now.Truncate(6 * time.Hour)
	if !issued.Equal(d.issued) || d.path == nil {
		d.issued = issued
		rng := rand.New(rand.NewPCG(d.seed, uint64(issued.Unix())))
		n := horizon + 12
		d.path = d.path[:0]
		z := rng.NormFloat64()
		const rho = 0.95
		for k := range n {
			if k > 0 {
				z = rho*z + math.Sqrt(1-rho*rho)*rng.NormFloat64()
			}
			sig := oldSigmaAt(time.Duration(k-6) * time.Hour)
			d.path = append(d.path, math.Exp(sig*z-sig*sig/2))
		}
	}
	base := d.issued.Add(-6 * time.Hour)
	return func(t time.Time) float64 {
		k := int(t.Sub(base) / time.Hour)
		if k < 0 || k >= len(d.path) {
			return 1
		}
		return d.path[k]
	}
}

// The moved model gives the replay's numbers exactly: every seed, issue
// and horizon tried, every hour from well before the path to well after.
func TestDegradedErrorMatchesReplayModel(t *testing.T) {
	t0 := time.Date(2015, 11, 20, 0, 0, 0, 0, aqi.CST)
	for _, seed := range []uint64{0, 1, 2, 7, 12345} {
		for _, horizon := range []int{24, 72, 96, 240} {
			old := &oldDegraded{seed: seed}
			for h := 0; h < 24*10; h += 5 {
				now := t0.Add(time.Duration(h) * time.Hour)
				want := old.at(now, horizon)
				got := DegradedError{Seed: seed}.Path(now.Truncate(6*time.Hour), horizon)
				for k := -24; k < horizon+24; k++ {
					at := now.Add(time.Duration(k) * time.Hour)
					if g, w := got.At(at), want(at); g != w {
						t.Fatalf("seed %d horizon %d now %s hour %s: %v, the replay had %v", seed, horizon, now, at, g, w)
					}
				}
			}
		}
	}
	for _, lead := range []time.Duration{-time.Hour, 0, 24 * time.Hour, 48 * time.Hour, 72 * time.Hour} {
		if SigmaAt(lead) != oldSigmaAt(lead) {
			t.Errorf("SigmaAt(%s) = %v, the replay had %v", lead, SigmaAt(lead), oldSigmaAt(lead))
		}
	}
	// A few numbers pinned, so the model cannot drift together with its reference.
	p := DegradedError{Seed: 1}.Path(time.Date(2015, 11, 24, 16, 0, 0, 0, aqi.CST), 72)
	issued := time.Date(2015, 11, 24, 16, 0, 0, 0, aqi.CST)
	for lead, want := range map[int]float64{1: pinned1, 24: pinned24, 72: pinned72} {
		if got := p.At(issued.Add(time.Duration(lead) * time.Hour)); math.Abs(got-want) > 1e-12 {
			t.Errorf("seed 1, issued %s, +%d h: %.15f, want %.15f", issued, lead, got, want)
		}
	}
}

// Seed 1, issued 2015-11-24 16:00 China time: the factors at +1, +24 and +72 h.
const (
	pinned1  = 0.814342760938967
	pinned24 = 1.174281394323418
	pinned72 = 0.798235117932636
)

// The spread of the log error is σ 0.25, 0.35, 0.45 at +24, +48, +72 h
// and the factor's mean is 1 (the log-normal is unbiased), over many issues.
func TestForecastDegradedErrorSpread(t *testing.T) {
	issued := time.Date(2015, 1, 1, 16, 0, 0, 0, aqi.CST)
	const n = 4000
	for _, c := range []struct {
		lead  int
		sigma float64
	}{{24, 0.25}, {48, 0.35}, {72, 0.45}} {
		var sum, sumLog, sumLog2 float64
		for i := range n {
			at := issued.AddDate(0, 0, i)
			f := DegradedError{Seed: 1}.Path(at, 72).At(at.Add(time.Duration(c.lead) * time.Hour))
			sum += f
			sumLog += math.Log(f)
			sumLog2 += math.Log(f) * math.Log(f)
		}
		mean := sum / n
		sd := math.Sqrt(sumLog2/n - (sumLog/n)*(sumLog/n))
		if math.Abs(sd-c.sigma) > 0.02 || math.Abs(mean-1) > 0.03 {
			t.Errorf("+%d h: σ of the log error %.3f (want %.2f), mean factor %.3f (want 1)", c.lead, sd, c.sigma, mean)
		}
	}
}

func TestForecastLastIssue(t *testing.T) {
	for in, want := range map[string]string{
		"2015-11-25T00:00:00+08:00": "2015-11-24T16:00:00+08:00",
		"2015-11-25T15:59:59+08:00": "2015-11-24T16:00:00+08:00",
		"2015-11-25T16:00:00+08:00": "2015-11-25T16:00:00+08:00",
		"2015-11-25T23:00:00+08:00": "2015-11-25T16:00:00+08:00",
		"2015-11-25T07:59:00Z":      "2015-11-24T16:00:00+08:00",
		"2015-11-25T08:00:00Z":      "2015-11-25T16:00:00+08:00",
		"2015-12-31T20:00:00Z":      "2015-12-31T16:00:00+08:00", // 04:00 on 1 January, China time
	} {
		at, _ := time.Parse(time.RFC3339, in)
		if got := LastIssue(at).Format(time.RFC3339); got != want {
			t.Errorf("LastIssue(%s) = %s, want %s", in, got, want)
		}
	}
}

// truthHours makes an hourly county series: hours ending from+1h .. to,
// PM2.5 100 + the hour's index, PM10 twice that, the other pollutants
// missing except CO 1.5 mg/m³.
func truthHours(from, to time.Time) []alert.SeriesHour {
	var out []alert.SeriesHour
	for t, k := from.Add(time.Hour), 0; !t.After(to); t, k = t.Add(time.Hour), k+1 {
		h := aqi.MissingHour()
		h[aqi.PM25], h[aqi.PM10], h[aqi.CO] = 100+float64(k), 200+2*float64(k), 1.5
		out = append(out, alert.SeriesHour{Time: t.UTC(), Values: h})
	}
	return out
}

// The content of an issue: 78 hourly values ending issued − 5 h ..
// issued + 72 h (the 6 hours up to the issue, then 72 ahead), each the
// truth times the issue's error, the same for the same seed; hours past
// the truth's end are left out.
func TestForecastContent(t *testing.T) {
	issued := time.Date(2015, 11, 25, 16, 0, 0, 0, aqi.CST)
	truth := truthHours(issued.Add(-48*time.Hour), issued.Add(10*24*time.Hour))
	f := &Forecaster{Truth: truth, Error: DegradedError{Seed: 1}}
	fc := f.Forecast(issued)
	if fc.Source != ForecastSource || !fc.IssuedAt.Equal(issued) || len(fc.Hourly) != ForecastHindcast+72 {
		t.Fatalf("source %q issued %s, %d hours; want %q, %s, %d", fc.Source, fc.IssuedAt, len(fc.Hourly), ForecastSource, issued, ForecastHindcast+72)
	}
	path := DegradedError{Seed: 1}.Path(issued, 72)
	varied := false
	for k, h := range fc.Hourly {
		end := issued.Add(time.Duration(k+1-ForecastHindcast) * time.Hour) // the END of the hour
		if !h.Time.Equal(end) {
			t.Fatalf("hour %d ends %s, want %s", k, h.Time, end)
		}
		i := int(end.Sub(truth[0].Time) / time.Hour)
		e := path.At(end)
		if e != 1 {
			varied = true
		}
		for name, c := range map[string]struct {
			got   *float64
			truth float64
		}{"pm25": {h.PM25, truth[i].Values[aqi.PM25]}, "pm10": {h.PM10, truth[i].Values[aqi.PM10]}, "co": {h.CO, truth[i].Values[aqi.CO]}} {
			if c.got == nil || *c.got != c.truth*e {
				t.Fatalf("%s of the hour ending %s: %v, want %v × %v", name, end, c.got, c.truth, e)
			}
		}
		if h.SO2 != nil || h.NO2 != nil || h.O3 != nil {
			t.Errorf("hour %s: pollutants the truth lacks are forecast: %+v", end, h)
		}
	}
	if !varied {
		t.Error("the forecast has no error: every factor is 1")
	}

	// Deterministic per seed: the same issue again, and another seed differs.
	again, _ := json.Marshal(f.Forecast(issued))
	first, _ := json.Marshal(fc)
	if string(again) != string(first) {
		t.Error("the same issue with the same seed differs")
	}
	other, _ := json.Marshal((&Forecaster{Truth: truth, Error: DegradedError{Seed: 2}}).Forecast(issued))
	if string(other) == string(first) {
		t.Error("another seed gives the same forecast")
	}

	// The truth ends 50 h after the issue: the forecast stops there.
	short := &Forecaster{Truth: truthHours(issued.Add(-48*time.Hour), issued.Add(50*time.Hour)), Error: DegradedError{Seed: 1}}
	if fc := short.Forecast(issued); len(fc.Hourly) != ForecastHindcast+50 || !fc.Hourly[len(fc.Hourly)-1].Time.Equal(issued.Add(50*time.Hour)) {
		t.Errorf("truth ending at +50 h: %d hours, want %d ending at +50 h", len(fc.Hourly), ForecastHindcast+50)
	}
	// A hole in the truth is a hole in the forecast.
	holed := append(append([]alert.SeriesHour{}, truth[:60]...), truth[61:]...)
	if fc := (&Forecaster{Truth: holed, Error: DegradedError{Seed: 1}}).Forecast(issued); len(fc.Hourly) != ForecastHindcast+71 {
		t.Errorf("truth with a hole: %d hours, want %d", len(fc.Hourly), ForecastHindcast+71)
	}

	// The payload is the documented forecast JSON: times with +08:00.
	var doc struct {
		Source   string `json:"source"`
		IssuedAt string `json:"issued_at"`
		Hourly   []struct {
			Time string   `json:"time"`
			PM25 *float64 `json:"pm25"`
		} `json:"hourly"`
	}
	if err := json.Unmarshal(first, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Source != "simulated city forecast (demo)" || doc.IssuedAt != "2015-11-25T16:00:00+08:00" ||
		doc.Hourly[0].Time != "2015-11-25T11:00:00+08:00" || doc.Hourly[ForecastHindcast+71].Time != "2015-11-28T16:00:00+08:00" || doc.Hourly[0].PM25 == nil {
		t.Errorf("payload %s", first[:min(len(first), 300)])
	}
}

// fakeClock is simulated time that moves on by step every time it is read.
type fakeClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(c.step)
	return t
}

// fakePublisher records what is published, and when on the clock.
type fakePublisher struct {
	mu    sync.Mutex
	clock *fakeClock
	msgs  []published
}

type published struct {
	topic string
	at    time.Time // the clock when published
	fc    alert.Forecast
}

func (p *fakePublisher) Publish(ctx context.Context, topic string, payload []byte) error {
	var fc alert.Forecast
	if err := json.Unmarshal(payload, &fc); err != nil {
		return err
	}
	p.clock.mu.Lock()
	at := p.clock.now
	p.clock.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, published{topic, at, fc})
	return nil
}

// The schedule: the issue of the last 16:00 before the start at once, then
// one issue per simulated day at 16:00 to every region, until the truth
// has no hour after the next issue; then Run returns.
// With Ahead, each issue goes out that long before its issue time.
func TestForecasterSchedule(t *testing.T) {
	for _, ahead := range []time.Duration{0, 30 * time.Minute} {
		start := time.Date(2015, 11, 25, 0, 0, 0, 0, aqi.CST)
		end := time.Date(2015, 11, 29, 0, 0, 0, 0, aqi.CST)
		clock := &fakeClock{now: start, step: 10 * time.Minute}
		pub := &fakePublisher{clock: clock}
		f := &Forecaster{Pub: pub, TopicPrefix: "aq", Regions: []string{"jianghua", "other"}, Tick: time.Millisecond,
			Truth: truthHours(start.Add(-24*time.Hour), end), Error: DegradedError{Seed: 1}, Now: clock.Now, Ahead: ahead}
		if err := f.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		var issues []string
		for i, m := range pub.msgs {
			region := []string{"jianghua", "other"}[i%2]
			if m.topic != "aq/forecasts/"+region {
				t.Errorf("message %d on %s, want aq/forecasts/%s", i, m.topic, region)
			}
			if i%2 == 0 {
				issues = append(issues, m.fc.IssuedAt.In(aqi.CST).Format("01-02T15:04"))
			}
			issued := m.fc.IssuedAt
			if due := issued.Add(-ahead); i >= 2 && (m.at.Before(due) || !m.at.Before(due.Add(time.Hour))) {
				t.Errorf("ahead %s: issue %s published at %s on the clock, want within the hour after %s", ahead, issued, m.at, due)
			}
			if i < 2 && m.at.After(start.Add(time.Hour)) {
				t.Errorf("the first issue was published at %s, want at the start %s", m.at, start)
			}
			wantHours := ForecastHindcast + min(72, int(end.Sub(issued)/time.Hour))
			if len(m.fc.Hourly) != wantHours {
				t.Errorf("issue %s has %d hours, want %d", issued, len(m.fc.Hourly), wantHours)
			}
		}
		if got := strings.Join(issues, " "); got != "11-24T16:00 11-25T16:00 11-26T16:00 11-27T16:00 11-28T16:00" {
			t.Errorf("ahead %s: issues %s; want 11-24T16:00 (at the start) then every day at 16:00 to 11-28", ahead, got)
		}
	}
}

// A start just before an issue time (within Ahead): the last issue before
// the start at once, then the coming one, embargoed.
func TestForecasterStartWithinAhead(t *testing.T) {
	start := time.Date(2015, 11, 25, 15, 45, 0, 0, aqi.CST)
	clock := &fakeClock{now: start, step: time.Minute}
	pub := &fakePublisher{clock: clock}
	f := &Forecaster{Pub: pub, TopicPrefix: "aq", Regions: []string{"jianghua"}, Tick: time.Millisecond, Ahead: 30 * time.Minute,
		Truth: truthHours(start.Add(-24*time.Hour), start.Add(12*time.Hour)), Error: DegradedError{Seed: 1}, Now: clock.Now}
	if err := f.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range pub.msgs {
		got = append(got, m.fc.IssuedAt.In(aqi.CST).Format("01-02T15:04"))
	}
	if strings.Join(got, " ") != "11-24T16:00 11-25T16:00" {
		t.Errorf("issues %v, want 11-24T16:00 then 11-25T16:00", got)
	}
}

// A clock that jumps days ahead gets the newest issue due, not the ones it
// skipped; a clock that stands still gets nothing more, and Run ends with
// its context.
func TestForecasterClockJumpsAndStops(t *testing.T) {
	start := time.Date(2015, 11, 25, 12, 0, 0, 0, aqi.CST)
	clock := &fakeClock{now: start}
	pub := &fakePublisher{clock: clock}
	f := &Forecaster{Pub: pub, TopicPrefix: "aq", Regions: []string{"jianghua"}, Tick: time.Millisecond,
		Truth: truthHours(start.Add(-24*time.Hour), start.Add(20*24*time.Hour)), Error: DegradedError{Seed: 1}, Now: clock.Now}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	count := func() int { pub.mu.Lock(); defer pub.mu.Unlock(); return len(pub.msgs) }
	for count() < 1 {
		time.Sleep(time.Millisecond)
	}
	clock.mu.Lock()
	clock.now = start.Add(3*24*time.Hour + 5*time.Hour) // 11-28 17:00
	clock.mu.Unlock()
	for count() < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	var got []string
	for _, m := range pub.msgs {
		got = append(got, m.fc.IssuedAt.In(aqi.CST).Format("01-02T15:04"))
	}
	if strings.Join(got, " ") != "11-24T16:00 11-28T16:00" {
		t.Errorf("issues %v, want 11-24T16:00 then only the newest due, 11-28T16:00", got)
	}
}

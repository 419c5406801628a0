package simulate

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/ingest"
	"github.com/aqwarn/aqwarn/reduction"
)

func TestDailyShape(t *testing.T) {
	day := func(d, h, m int) time.Time { return time.Date(2015, 12, d, h, m, 0, 0, aqi.CST) } // 1 Dec 2015 is a Tuesday
	for _, c := range []struct {
		name       string
		end        time.Time
		continuous bool
		want       float64
	}{
		// A kiln draws the same at any hour, any day.
		{"kiln at 03:00", day(1, 3, 0), true, 0.95},
		{"kiln on a Sunday noon", day(6, 12, 0), true, 0.95},
		// Day shifts: the interval 08:00–08:15 is full load …
		{"first quarter of the shift", day(1, 8, 15), false, 1},
		// … the one ending at 08:00 still night.
		{"last quarter of the night", day(1, 8, 0), false, 0.1},
		{"lunch", day(1, 12, 30), false, 0.6},
		{"afternoon", day(1, 17, 45), false, 1},
		{"evening shift", day(1, 21, 0), false, 0.6},
		{"night", day(1, 23, 0), false, 0.1},
		// Sunday: half.
		{"Sunday morning", day(6, 10, 0), false, 0.5},
	} {
		if got := DailyShape(c.end, c.continuous); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// Normal stays within ±5 % of the shape, is the same on every call, and
// varies from interval to interval.
func TestPowerMeterNormal(t *testing.T) {
	m := PowerMeter{Source: "cem-a", Meter: "cem-a-m1", FullKW: 9120, Continuous: true}
	base := time.Date(2015, 11, 25, 0, 0, 0, 0, aqi.CST)
	seen := map[float64]bool{}
	sum := 0.0
	const n = 2000
	for i := range n {
		end := base.Add(time.Duration(i) * aqwarn.PowerInterval)
		v := m.Normal(end, 1)
		want := 9120 * 0.25 * 0.95
		if math.Abs(v/want-1) > PowerNoise+1e-12 {
			t.Fatalf("%v: %v kWh, more than 5 %% off %v", end, v, want)
		}
		if v != m.Normal(end, 1) {
			t.Fatal("Normal is not a function of its arguments")
		}
		seen[v] = true
		sum += v
	}
	if len(seen) < n*9/10 {
		t.Errorf("only %d distinct values in %d intervals", len(seen), n)
	}
	if mean := sum / n; math.Abs(mean/(9120*0.25*0.95)-1) > 0.01 {
		t.Errorf("mean %v: the noise is not centred", mean)
	}
}

type powerPublisher struct {
	mu   sync.Mutex
	msgs map[string][]aqwarn.PowerReading
}

func (p *powerPublisher) Publish(_ context.Context, topic string, payload []byte) error {
	lv := strings.Split(topic, "/")
	src, meter := lv[2], lv[3]
	r, rej := ingest.DecodePower(payload, src, meter, testSources, ingest.Limits{}, time.Now())
	if rej != nil {
		return rej
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs[src+"/"+meter] = append(p.msgs[src+"/"+meter], r)
	return nil
}

var testSources = ingest.NewSources([]ingest.ListedSource{
	{ID: "a", Meters: map[string]string{"m1": "line", "m2": ""}},
}, nil)

// The simulator sends the History first, then each interval once the clock
// has passed its end, in the documented JSON (ingest takes every message),
// skips what a script withholds, and stops after Until.
func TestPowerSimRun(t *testing.T) {
	start := time.Date(2015, 11, 25, 0, 0, 0, 0, aqi.CST)
	clock := &fakeClock{now: start, step: 5 * time.Minute}
	pub := &powerPublisher{msgs: map[string][]aqwarn.PowerReading{}}
	gap := func(end time.Time, normal float64) (float64, bool) { return normal, end.Hour() != 1 } // nothing for 01:00–02:00 UTC
	sim := &PowerSim{Pub: pub, TopicPrefix: "aq", Now: clock.Now, History: 2 * time.Hour, Until: start.Add(6 * time.Hour), Seed: 1, Tick: time.Millisecond,
		Meters:  []PowerMeter{{Source: "a", Unit: "line", Meter: "m1", FullKW: 400}, {Source: "a", Meter: "m2", FullKW: 100, Continuous: true}},
		Scripts: map[string]PowerScript{"a/m2": gap}}
	if err := sim.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	m1, m2 := pub.msgs["a/m1"], pub.msgs["a/m2"]
	if len(m1) != 32 || !m1[0].Time.Equal(start.Add(-2*time.Hour+aqwarn.PowerInterval)) || !m1[31].Time.Equal(start.Add(6*time.Hour)) {
		t.Fatalf("m1: %d readings from %v to %v; want 32, the last two hours before the start to six hours after", len(m1), m1[0].Time, m1[len(m1)-1].Time)
	}
	for i := 1; i < len(m1); i++ {
		if m1[i].Time.Sub(m1[i-1].Time) != aqwarn.PowerInterval {
			t.Fatalf("m1 goes from %v to %v", m1[i-1].Time, m1[i].Time)
		}
	}
	if len(m2) != 28 {
		t.Errorf("m2: %d readings, want 32 less the 4 of the scripted gap", len(m2))
	}
	for _, r := range m1 {
		if want := sim.Meters[0].Normal(r.Time, 1); math.Abs(r.KWh-want) > 0.001 || r.Unit != "line" || r.Flag != "N" || math.Abs(*r.KW-4*r.KWh) > 0.1 {
			t.Errorf("m1 %v: %+v, want %v kWh of unit line at %v kW", r.Time, r, want, 4*want)
		}
	}
}

// The demo list's meters all play, with their units; under an orange
// warning the compliant sources stop or limit as told, NightProducer runs
// its kilns at night and TreatmentOff's dust treatment is off.
func TestListScripts(t *testing.T) {
	c, err := configs.Default()
	if err != nil {
		t.Fatal(err)
	}
	l := c.ParsedList()
	meters := ListMeters(l)
	byKey := map[string]PowerMeter{}
	for _, m := range meters {
		byKey[m.Key()] = m
	}
	n := 0
	for _, e := range l.Enterprises {
		n += len(e.Monitoring.Meters)
	}
	if len(meters) != n || n == 0 {
		t.Fatalf("%d meters played, the list has %d", len(meters), n)
	}
	if m := byKey["cast-b/cast-b-m2"]; m.Unit != "dust1" || m.Kind != reduction.UnitTreatment {
		t.Errorf("cast-b's dust meter: %+v", m)
	}
	level := ""
	var by map[string]reduction.Instruction
	at := time.Date(2015, 11, 30, 0, 0, 0, 0, aqi.CST)
	resp := func(time.Time) (string, map[string]reduction.Instruction) { return level, by }
	scripts := ListScripts(l, meters, resp)
	share := func(key string, end time.Time) float64 {
		t.Helper()
		v, ok := scripts[key](end, 100)
		if !ok {
			t.Fatalf("%s sends nothing", key)
		}
		return v / 100
	}
	noon, midnight := time.Date(2015, 11, 30, 12, 0, 0, 0, aqi.CST), time.Date(2015, 12, 1, 0, 0, 0, 0, aqi.CST)
	for _, k := range []string{"cem-c/cem-c-m1", "cast-b/cast-b-m2", "cem-b/cem-b-m1", "coat-c/coat-c-m3"} {
		if s := share(k, noon); s != 1 {
			t.Errorf("no warning: %s draws %v of normal", k, s)
		}
	}
	level = reduction.LevelOrange
	by = map[string]reduction.Instruction{}
	for _, in := range l.Resolve(level, "", at) {
		by[in.Source] = in
	}
	for _, c := range []struct {
		key  string
		end  time.Time
		want float64
	}{
		// cem-c must stop both kilns at orange: it does by day …
		{"cem-c/cem-c-m1", noon, Standby},
		// … not at night.
		{"cem-c/cem-c-m1", midnight, 0.9},
		{"cem-c/cem-c-m2", midnight, 0.9},
		// cast-b limits its furnace by 20 % and switches the dust treatment off.
		{"cast-b/cast-b-m1", noon, 0.8},
		{"cast-b/cast-b-m2", noon, 0.02},
		// Compliant: cem-b limits its kiln by 20 %, its bag filter follows.
		{"cem-b/cem-b-m1", noon, 0.8},
		{"cem-b/cem-b-m2", noon, 0.8},
		// coat-c stops spraying; its RTO stops with it, its cutting line runs.
		{"coat-c/coat-c-m1", noon, Standby},
		{"coat-c/coat-c-m3", noon, Standby},
		{"coat-c/coat-c-m2", noon, 1},
		// cem-a is grade A: it decides for itself (self_determined), no cut scripted.
		{"cem-a/cem-a-m1", noon, 1},
	} {
		if got := share(c.key, c.end); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("orange, %s at %s: %v of normal, want %v", c.key, c.end.Format("15:04"), got, c.want)
		}
	}
	// At yellow cem-c has only a limit: it keeps it at night too.
	level = reduction.LevelYellow
	for _, in := range l.Resolve(level, "", at) {
		by[in.Source] = in
	}
	if got := share("cem-c/cem-c-m1", midnight); math.Abs(got-0.5) > 1e-9 {
		t.Errorf("yellow, cem-c at night: %v, want its 50 %% limit", got)
	}
	if got := share("cast-b/cast-b-m2", noon); got != 0.02 {
		t.Errorf("yellow, cast-b's dust treatment: %v, want off", got)
	}
}

package alert

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// syntheticAQI is an hourly AQI-like series: a winter-high seasonal cycle
// plus slow autocorrelated weather, so heavy episodes come and go.
func syntheticAQI(rng *rand.Rand, n int) []int {
	out := make([]int, n)
	x := 0.0
	for i := range out {
		x = 0.985*x + rng.NormFloat64()*14
		season := 60 * math.Cos(2*math.Pi*float64(i)/8766)
		v := 100 + season + x
		out[i] = int(math.Max(10, math.Min(500, v)))
	}
	return out
}

// windowsFrom turns an hourly series into rolling daily windows: window k
// ends at t0 + (k+24) h with the mean of the 24 hours before. obs holds them
// as observations, base as a "perfect forecast" baseline for replays.
func windowsFrom(series []int, t0 time.Time) (obs, base []Window) {
	sum := 0
	for i := 0; i < 24; i++ {
		sum += series[i]
	}
	for end := 24; end <= len(series); end++ {
		if end > 24 {
			sum += series[end-1] - series[end-25]
		}
		w := Window{Start: t0.Add(time.Duration(end-24) * time.Hour), End: t0.Add(time.Duration(end) * time.Hour),
			AQI: (sum + 23) / 24, Source: SourceObserved}
		obs = append(obs, w)
		w.Source, w.ForecastSource = SourceBaseline, "replay-perfect"
		base = append(base, w)
	}
	return obs, base
}

// apply plays the publisher: an approved proposal changes the warning in force.
func apply(active *ActiveWarning, pr *Proposal, now time.Time) *ActiveWarning {
	if pr == nil || pr.Action == ActionHealthNotice {
		return active
	}
	if pr.Level == LevelNone {
		return nil
	}
	next := &ActiveWarning{Level: pr.Level, Since: now, EpisodeStart: pr.EpisodeStart}
	if active != nil {
		next.EpisodeStart = active.EpisodeStart
	}
	return next
}

// BenchmarkReplay4Years evaluates one region at every hour of four years
// (35,064 hours, like the Beijing data) with the observations as a perfect
// forecast of the next 72 h, as the replay does. One op is the whole replay.
func BenchmarkReplay4Years(b *testing.B) {
	p := jianghua(b)
	const hoursN = 35064
	rng := rand.New(rand.NewPCG(7, 8))
	series := syntheticAQI(rng, hoursN+24+72)
	obs, base := windowsFrom(series, time.Date(2013, 3, 1, 0, 0, 0, 0, cst))
	lb := int(p.Lookback() / time.Hour)
	b.ReportAllocs()
	proposals := 0
	for b.Loop() {
		var active *ActiveWarning
		seen := map[string]bool{}
		proposals = 0
		for i := 0; i < hoursN; i++ {
			now := obs[i].End
			ev := Evaluate(p, Situation{Now: now, Region: "beijing", Observed: obs[max(0, i+1-lb) : i+1],
				Forecast: base[i+1 : i+73], Active: active})
			if pr := ev.Proposal; pr != nil && !seen[pr.Key] {
				seen[pr.Key] = true
				proposals++
				active = apply(active, pr, now)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/hoursN, "ns/eval")
	b.ReportMetric(float64(proposals), "proposals")
}

// BenchmarkEvaluate is one evaluation with a realistic window count.
func BenchmarkEvaluate(b *testing.B) {
	p := jianghua(b)
	rng := rand.New(rand.NewPCG(9, 10))
	series := syntheticAQI(rng, 24*30)
	obs, base := windowsFrom(series, time.Date(2016, 1, 1, 0, 0, 0, 0, cst))
	i := 24 * 20
	lb := int(p.Lookback() / time.Hour)
	s := Situation{Now: obs[i].End, Region: "r", Observed: obs[i+1-lb : i+1], Forecast: base[i+1 : i+73]}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(p, s)
	}
}

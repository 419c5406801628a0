package replay

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/aqi"
)

// Report is the replay's output.
type Report struct {
	Plan     string    `json:"plan"`
	Region   string    `json:"region"`
	Stations int       `json:"stations"` // set by Run, or by the caller of History.Run
	Files    int       `json:"files"`    // set by the caller: the files read
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Forecast string    `json:"forecast"`
	Horizon  int       `json:"horizon_hours"`
	Warnings []Warning `json:"warnings"`
	Summary  Summary   `json:"summary"`
	// Scorecard is the verification of spec §8 against the observed truth.
	Scorecard *alert.Scorecard `json:"scorecard"`
}

// Warning is one warning from issue to lift.
type Warning struct {
	Region     string    `json:"region"`
	Level      string    `json:"level"` // the highest level it reached
	FirstLevel string    `json:"first_level"`
	Start      time.Time `json:"start"` // first publication
	// EffectiveStart is when the response starts: the episode's start
	// rounded down to a standard hour, or the publication when that is
	// later (a late warning takes effect when published).
	EffectiveStart time.Time  `json:"effective_start"`
	Pauses         []Change   `json:"pauses,omitempty"`
	Extensions     []Change   `json:"extensions,omitempty"`
	End            *time.Time `json:"end"` // lifted; nil when still in force at the end
	EpisodeStart   time.Time  `json:"episode_start"`
	Hours          float64    `json:"hours"`
	Changes        []Change   `json:"changes"` // upgrades and downgrades
	PeakAQI        int        `json:"peak_aqi"`
	PeakAt         time.Time  `json:"peak_at"`
	LeadHours      float64    `json:"lead_hours"` // the rules' effective start − publication (negative: late)
}

// Change is one change of a warning: an upgrade, downgrade, resumption,
// pause or extension, with the level it leads to (pause, extension: the
// level in force).
type Change struct {
	Kind  string    `json:"kind"`
	Level string    `json:"level"`
	At    time.Time `json:"at"`
}

// Summary counts the replay's hours, proposals and warnings.
type Summary struct {
	Hours          int            `json:"hours_evaluated"`
	Proposals      int            `json:"proposals"`
	Warnings       int            `json:"warnings"`
	ByLevel        map[string]int `json:"warnings_by_highest_level"`
	Upgrades       int            `json:"upgrades"`
	Downgrades     int            `json:"downgrades"`
	HealthNotices  int            `json:"health_notices"`
	HoursInForce   float64        `json:"hours_under_warning"`
	ShortNotice    int            `json:"issued_short_notice"`
	BaselineFilled int            `json:"hours_on_persistence_baseline"`
}

// collect turns the store's warnings into the report and its scorecard.
func (rep *Report) collect(ctx context.Context, plan *alert.Plan, st *lifecycle.MemStore, obs []alert.Window, o Options, rec *recorder) error {
	ps, err := st.Proposals(ctx, lifecycle.ProposalFilter{})
	if err != nil {
		return err
	}
	rep.Summary.Proposals = len(ps)
	rep.Summary.ByLevel = map[string]int{}
	for _, p := range ps {
		if p.Status == lifecycle.StatusPublished && p.Proposal.Action == alert.ActionHealthNotice {
			rep.Summary.HealthNotices++
		}
	}
	var scored []alert.ScoredWarning
	var prevLift time.Time // a merged episode's start may reach back into the previous warning
	for _, w := range st.AllWarnings() {
		rw := Warning{Region: w.Region, EpisodeStart: w.EpisodeStart, Start: w.Issued, End: w.Lifted,
			EffectiveStart: w.EffectiveStart, Changes: []Change{}}
		var sw alert.ScoredWarning
		top := alert.LevelNone
		cur := alert.LevelNone
		for _, t := range w.Transitions {
			lvl, _ := plan.LevelByID(t.ToID)
			eff := t.Start
			switch t.Kind {
			case alert.KindIssue:
				rw.FirstLevel = t.ToID
				rw.LeadHours = t.Proposal.Start.Sub(t.At).Hours() // the episode's start by the rules: negative when late
				if t.Proposal.ShortNotice {
					rep.Summary.ShortNotice++
				}
			case alert.KindUpgrade, alert.KindDowngrade, alert.KindResume:
				rw.Changes = append(rw.Changes, Change{Kind: t.Kind, Level: t.ToID, At: t.At})
				switch t.Kind {
				case alert.KindUpgrade:
					rep.Summary.Upgrades++
				case alert.KindDowngrade:
					rep.Summary.Downgrades++
				}
			case alert.KindPause:
				rw.Pauses = append(rw.Pauses, Change{Kind: t.Kind, Level: t.FromID, At: t.At})
				lvl = cur
			case alert.KindExtend:
				rw.Extensions = append(rw.Extensions, Change{Kind: t.Kind, Level: t.FromID, At: t.At})
				lvl = cur
			}
			if eff.Before(t.At) && t.Kind != alert.KindIssue {
				eff = t.At
			}
			if t.Kind != alert.KindLift {
				cur = lvl
				top = max(top, lvl)
			}
			sw.Changes = append(sw.Changes, alert.ScoredChange{Kind: t.Kind, Level: lvl, At: t.At, Effective: eff})
		}
		scored = append(scored, sw)
		rw.Level = plan.LevelID(top)
		end := o.To
		if w.Lifted != nil {
			end = *w.Lifted
		}
		rw.Hours = end.Sub(w.Issued).Hours()
		from := w.Issued
		if w.EpisodeStart.Before(from) {
			from = w.EpisodeStart
		}
		if from.Before(prevLift) {
			from = prevLift
		}
		prevLift = end
		for _, ob := range obs {
			if ob.End.After(from) && !ob.End.After(end) && ob.AQI > rw.PeakAQI {
				rw.PeakAQI, rw.PeakAt = ob.AQI, ob.End
			}
		}
		rep.Warnings = append(rep.Warnings, rw)
		rep.Summary.Warnings++
		rep.Summary.ByLevel[rw.Level]++
		rep.Summary.HoursInForce += rw.Hours
	}
	var truth []alert.Window
	for _, w := range obs {
		if w.End.After(o.From) && !w.End.After(o.To) {
			truth = append(truth, w)
		}
	}
	units := 0
	for _, u := range plan.Units {
		if u.Role != alert.UnitUpstream {
			units++
		}
	}
	sc := alert.Score(plan, alert.ScoreInput{From: o.From, To: o.To, Observed: truth, Warnings: scored,
		FirstSeen: rec.firstSeen, Units: units, Forecasts: rec.forecasts})
	rep.Scorecard = &sc
	return nil
}

func fmtCST(t time.Time) string { return t.In(aqi.CST).Format("2006-01-02T15:04") }

func changeList(cs []Change) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Level+"@"+fmtCST(c.At))
	}
	return strings.Join(out, " ")
}

// WriteCSV writes the warning timeline, one row per warning, times in China
// time to the minute.
func (rep *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"region", "level", "first_level", "start", "end", "hours", "episode_start", "lead_hours",
		"upgrades", "downgrades", "lift", "peak_aqi", "peak_at", "effective_start", "pauses", "extensions"})
	for _, r := range rep.Warnings {
		var ups, downs []Change
		for _, c := range r.Changes {
			if c.Kind == alert.KindUpgrade || c.Kind == alert.KindResume {
				ups = append(ups, c)
			} else {
				downs = append(downs, c)
			}
		}
		end, lift := "", "no"
		if r.End != nil {
			end, lift = fmtCST(*r.End), "yes"
		}
		cw.Write([]string{r.Region, r.Level, r.FirstLevel, fmtCST(r.Start), end, strconv.FormatFloat(r.Hours, 'f', 0, 64),
			fmtCST(r.EpisodeStart), strconv.FormatFloat(r.LeadHours, 'f', 0, 64), changeList(ups), changeList(downs),
			lift, strconv.Itoa(r.PeakAQI), fmtCST(r.PeakAt), fmtCST(r.EffectiveStart), changeList(r.Pauses), changeList(r.Extensions)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the whole report as indented JSON.
func (rep *Report) WriteJSON(w io.Writer) error { return writeJSON(w, rep) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteScorecard writes a scorecard as text (alert.Scorecard.WriteText) or,
// asJSON, as indented JSON.
func WriteScorecard(w io.Writer, sc *alert.Scorecard, asJSON bool) error {
	if asJSON {
		return writeJSON(w, sc)
	}
	return sc.WriteText(w)
}

// WriteScorecardFile writes a scorecard to a file: JSON when the name ends
// in .json, else text.
func WriteScorecardFile(path string, sc *alert.Scorecard) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(WriteScorecard(f, sc, strings.HasSuffix(path, ".json")), f.Close())
}

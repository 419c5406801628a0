package compliancecli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/compliance"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

const clock = "2006-01-02 15:04"

// WriteText writes one block per event (time, rule, source, severity, the
// figures compared and the words), then the checks skipped and the counts.
func (r *Report) WriteText(w io.Writer) error {
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	p("list %s, checked to %s, %d warning(s), %d event(s)\n", r.List, r.Now.In(aqi.CST).Format(clock), len(r.Warnings), len(r.Events))
	for _, wn := range r.Warnings {
		lift := "in force"
		if !wn.Lift.IsZero() {
			lift = wn.Lift.In(aqi.CST).Format(clock)
		}
		p("  warning %s %s: %s – %s\n", wn.ID, wn.Level, wn.EffectiveStart.In(aqi.CST).Format(clock), lift)
	}
	for _, e := range r.Events {
		where := e.Enterprise
		if e.Unit != "" {
			where += "/" + e.Unit
		}
		p("\n%s – %s  %s  %s  %s  observed %v expected %v  %s\n  %s\n  %s\n", e.Start.In(aqi.CST).Format(clock), e.End.In(aqi.CST).Format(clock),
			e.Rule, where, e.Severity, e.Observed, e.Expected, e.ID, e.TextZH, e.TextEN)
	}
	if len(r.Skipped) > 0 {
		p("\nnot checked:\n")
		for _, s := range r.Skipped {
			where := s.Enterprise
			if s.Unit != "" {
				where += "/" + s.Unit
			}
			p("  %s %s: %s\n", s.Warning, where, s.Reason)
		}
	}
	p("\nevents per rule:")
	for _, rule := range compliance.Rules {
		p(" %s %d", rule[:2], r.Counts[rule])
	}
	p("\n")
	return err
}

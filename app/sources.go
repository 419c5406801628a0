package app

import (
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/ingest"
	"github.com/aqwarn/aqwarn/reduction"
)

// ingestSources is what ingest knows of the reduction list in force: each
// source's meters with the unit that lists each, and its online emission
// monitors with the passwords of hj212.monitors. No list: none (their data
// are refused as unknown).
func ingestSources(list *reduction.List, monitors []configs.HJ212Monitor) *ingest.Sources {
	var srcs []ingest.ListedSource
	if list != nil {
		for _, e := range list.Enterprises {
			s := ingest.ListedSource{ID: e.ID, Meters: map[string]string{}, Monitors: e.Monitoring.HJ212MN}
			for _, m := range e.Monitoring.Meters {
				s.Meters[m] = ""
			}
			for _, u := range e.Units {
				for _, m := range u.Meters {
					s.Meters[m] = u.ID
				}
			}
			srcs = append(srcs, s)
		}
	}
	pw := make(map[string]string, len(monitors))
	for _, m := range monitors {
		pw[m.MN] = m.Password
	}
	return ingest.NewSources(srcs, pw)
}

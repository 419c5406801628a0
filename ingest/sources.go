package ingest

import "strings"

// ListedSource is what ingest knows of one source of the emission-reduction
// list: its electricity meters, each with the unit (production line,
// treatment facility) it belongs to, and the MNs of its online emission
// monitors. The app fills it from the list in force, so that ingest does not
// depend on the list's package.
type ListedSource struct {
	ID       string
	Meters   map[string]string // meter id → unit id ("" when no unit lists the meter)
	Monitors []string          // HJ 212 MNs (monitoring.hj212_mn)
}

// Monitor is one online emission monitor: its MN, the source it belongs to
// and the HJ 212 password its logger must send.
type Monitor struct {
	MN, Source, Password string
}

// Sources indexes the listed sources' meters and monitors. The zero value
// (and nil) knows none.
type Sources struct {
	meters   map[string]map[string]string
	monitors map[string]Monitor
}

// NewSources indexes the sources; passwords are the monitors' HJ 212
// passwords by MN (hj212.monitors), "" or absent for a monitor that has none
// configured, whose frames are then refused (an emission monitor is never
// taken unauthenticated).
func NewSources(list []ListedSource, passwords map[string]string) *Sources {
	s := &Sources{meters: map[string]map[string]string{}, monitors: map[string]Monitor{}}
	for _, src := range list {
		ms := make(map[string]string, len(src.Meters))
		for m, u := range src.Meters {
			ms[m] = u
		}
		s.meters[src.ID] = ms
		for _, mn := range src.Monitors {
			s.monitors[mn] = Monitor{MN: mn, Source: src.ID, Password: passwords[mn]}
		}
	}
	return s
}

// Meter returns the unit of a listed source's meter. source false: no
// listed source has the id; meter false: the source lists no such meter.
func (s *Sources) Meter(source, meter string) (unit string, sourceKnown, meterKnown bool) {
	if s == nil {
		return "", false, false
	}
	ms, ok := s.meters[source]
	if !ok {
		return "", false, false
	}
	u, ok := ms[meter]
	return u, true, ok
}

// Monitor returns the online emission monitor with the MN.
func (s *Sources) Monitor(mn string) (Monitor, bool) {
	if s == nil {
		return Monitor{}, false
	}
	m, ok := s.monitors[mn]
	return m, ok
}

// isMonitor reports whether mn is a listed monitor (for the codec's
// system check).
func (s *Sources) isMonitor(mn string) bool {
	_, ok := s.Monitor(mn)
	return ok
}

// topicLevels splits what follows prefix/kind/ in topic into its levels,
// or returns nil when topic is not under it.
func topicLevels(prefix, kind, topic string) []string {
	rest, ok := strings.CutPrefix(topic, strings.TrimSuffix(prefix, "/")+"/"+kind+"/")
	if !ok {
		return nil
	}
	return strings.Split(rest, "/")
}

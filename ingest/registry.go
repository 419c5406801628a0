package ingest

import "github.com/aqwarn/aqwarn"

// Registry is the configured set of stations, looked up by id and HJ 212 MN.
type Registry struct {
	byID map[string]aqwarn.Station
	byMN map[string]aqwarn.Station
}

// NewRegistry indexes the stations.
func NewRegistry(stations []aqwarn.Station) *Registry {
	r := &Registry{byID: map[string]aqwarn.Station{}, byMN: map[string]aqwarn.Station{}}
	for _, s := range stations {
		r.byID[s.ID] = s
		if s.MN != "" {
			r.byMN[s.MN] = s
		}
	}
	return r
}

// Station returns the station with the id.
func (r *Registry) Station(id string) (aqwarn.Station, bool) {
	s, ok := r.byID[id]
	return s, ok
}

// ByMN returns the station whose HJ 212 device id is mn.
func (r *Registry) ByMN(mn string) (aqwarn.Station, bool) {
	s, ok := r.byMN[mn]
	return s, ok
}

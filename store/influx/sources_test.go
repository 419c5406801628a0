package influx_test

import (
	"testing"

	"github.com/aqwarn/aqwarn/ingest"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/store/influx"
	"github.com/aqwarn/aqwarn/store/sourcestest"
)

var _ ingest.SourceWriter = (*influx.Store)(nil)

// Against a real InfluxDB 1.8 (flux enabled): the store keeps the contract
// of the listed sources' readings, also across a restart of InfluxDB with a
// new client.
func TestInfluxSourcesContract(t *testing.T) {
	srv := testenv.StartInflux(t)
	sourcestest.Run(t, func(t *testing.T) (sourcestest.Store, func(*testing.T) sourcestest.Store) {
		s := influx.Open(influx.Config{URL: srv.URL(), Bucket: srv.Bucket()})
		t.Cleanup(func() { s.Close() })
		return s, func(t *testing.T) sourcestest.Store {
			s.Close()
			srv.Stop()
			srv.Start()
			s = influx.Open(influx.Config{URL: srv.URL(), Bucket: srv.Bucket()})
			return s
		}
	})
}

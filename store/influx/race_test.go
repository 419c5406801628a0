package influx_test

import (
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/store/influx"
)

// Queries from several goroutines at once, the first ones included (the
// AQI job and the statistics both read at start): no data race (run with
// -race), every one answered.
func TestFirstQueriesAtOnce(t *testing.T) {
	srv := testenv.StartInflux(t)
	s := influx.Open(influx.Config{URL: srv.URL(), Bucket: srv.Bucket()})
	defer s.Close()
	t0 := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			if _, err := s.Readings(t.Context(), time.Hour, t0.Add(-time.Hour), t0); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

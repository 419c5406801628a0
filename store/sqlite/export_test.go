package sqlite

import "time"

// SetProbeEvery lets tests probe at every call.
func SetProbeEvery(d time.Duration) { probeEvery = d }

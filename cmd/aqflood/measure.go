package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite"
)

// procKB reads a kB field of /proc/<pid>/status (VmRSS, VmHWM).
func procKB(pid int, field string) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// resetHWM sets the process's VmHWM back to its current RSS (Linux ≥ 4.0),
// so each attack's peak is its own. It reports whether that worked.
func resetHWM(pid int) bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}

// watch samples, while an attack runs: the RSS of the service (and of
// the external broker) every 100 ms, GET /api/v1/aqi/current every 25 ms
// (40/s, under the default per-client rate limit of 50/s), /healthz every
// 500 ms.
type watch struct {
	stop chan struct{}
	wg   sync.WaitGroup

	mu        sync.Mutex
	peakKB    map[int]int
	lat       []time.Duration // of answers 200
	other     map[string]int  // statuses other than 200, errors
	healthOK  int
	healthBad int
}

func startWatch(s *service, pids ...int) *watch {
	w := &watch{stop: make(chan struct{}), peakKB: map[int]int{}, other: map[string]int{}}
	w.wg.Add(3)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			for _, pid := range pids {
				if kb, err := procKB(pid, "VmRSS"); err == nil {
					w.mu.Lock()
					w.peakKB[pid] = max(w.peakKB[pid], kb)
					w.mu.Unlock()
				}
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	go func() {
		defer w.wg.Done()
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableCompression: true}}
		next := time.Now()
		for {
			start := time.Now()
			resp, err := c.Get(s.url + "/api/v1/aqi/current")
			d := time.Since(start)
			w.mu.Lock()
			switch {
			case err != nil:
				w.other["error"]++
			default:
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					w.lat = append(w.lat, d)
				} else {
					w.other[strconv.Itoa(resp.StatusCode)]++
				}
			}
			w.mu.Unlock()
			next = next.Add(25 * time.Millisecond)
			if wait := time.Until(next); wait > 0 {
				select {
				case <-w.stop:
					return
				case <-time.After(wait):
				}
			} else {
				next = time.Now()
				select {
				case <-w.stop:
					return
				default:
				}
			}
		}
	}()
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			code, _ := s.status("/healthz")
			w.mu.Lock()
			if code == http.StatusOK {
				w.healthOK++
			} else {
				w.healthBad++
			}
			w.mu.Unlock()
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// probeStats is what the watch saw.
type probeStats struct {
	peakKB              map[int]int
	n                   int
	p50, p99, max       time.Duration
	other               map[string]int
	healthOK, healthBad int
}

func (w *watch) finish() probeStats {
	close(w.stop)
	w.wg.Wait()
	lat := append([]time.Duration(nil), w.lat...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return probeStats{peakKB: w.peakKB, n: len(lat), p50: pct(lat, 0.50), p99: pct(lat, 0.99), max: pct(lat, 1),
		other: w.other, healthOK: w.healthOK, healthBad: w.healthBad}
}

func pct(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// storeCount is the dead letters in the stopped service's SQLite file.
type storeCount struct {
	rows     int
	payload  int64
	size     int64
	byReason map[string]int
	how      string
}

// countStore opens the store read-only once the service has stopped (the
// WAL is then checkpointed and gone) and counts the dead-letter rows.
func countStore(ctx context.Context, dir string) (storeCount, error) {
	path := dir + "/aqwarn.db"
	c, err := countStoreDSN(ctx, "file:"+path+"?mode=ro")
	if err == nil {
		c.how = "opened read-only"
		return c, nil
	}
	// A WAL database without its -shm cannot always be opened read-only;
	// the process is gone, so the file is immutable now.
	c, err2 := countStoreDSN(ctx, "file:"+path+"?mode=ro&immutable=1")
	if err2 != nil {
		return c, fmt.Errorf("%v; immutable: %v", err, err2)
	}
	c.how = "opened immutable (read-only failed: " + err.Error() + ")"
	return c, nil
}

func countStoreDSN(ctx context.Context, dsn string) (storeCount, error) {
	c := storeCount{byReason: map[string]int{}}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return c, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT reason, count(*), coalesce(sum(length(CAST(payload AS BLOB))), 0), coalesce(sum(size), 0)
		FROM deadletters GROUP BY reason`)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var reason string
		var n int
		var p, s int64
		if err := rows.Scan(&reason, &n, &p, &s); err != nil {
			return c, err
		}
		c.byReason[reason] = n
		c.rows += n
		c.payload += p
		c.size += s
	}
	return c, rows.Err()
}

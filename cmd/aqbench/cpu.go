package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat;
// it is 100 on every Linux the bench runs on.
const clockTick = 100

// cpuTime returns the user+system CPU time a process has used so far.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after its
	// closing parenthesis are fixed: utime and stime are the 12th and 13th.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	k, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	return time.Duration(u+k) * time.Second / clockTick, nil
}

// procs names the processes whose CPU time a run accounts.
type procs []struct {
	name string
	pid  int
}

// cpuSnap is the CPU time of every process at one moment.
type cpuSnap []time.Duration

func (ps procs) snap() cpuSnap {
	out := make(cpuSnap, len(ps))
	for i, p := range ps {
		out[i], _ = cpuTime(p.pid)
	}
	return out
}

// report prints, for the run between a and b that handled n readings in
// wall, each process's CPU in cores and in microseconds per reading.
func (ps procs) report(w io.Writer, label string, a, b cpuSnap, n int, wall time.Duration) {
	var total time.Duration
	var parts []string
	for i, p := range ps {
		d := b[i] - a[i]
		total += d
		parts = append(parts, fmt.Sprintf("%s %.2f (%.1f µs)", p.name, d.Seconds()/wall.Seconds(), float64(d.Microseconds())/float64(n)))
	}
	fmt.Fprintf(w, "  CPU of the %s run, cores (µs per reading): %s; all %.2f (%.1f µs)\n",
		label, strings.Join(parts, ", "), total.Seconds()/wall.Seconds(), float64(total.Microseconds())/float64(n))
}

// settle waits (up to limit) until the processes other than the load
// generator are idle — below a tenth of a core together for 200 ms — so
// background work of one run (InfluxDB snapshotting what the previous run
// wrote, the broker saving its queue) is not counted in the next.
func (ps procs) settle(limit time.Duration) time.Duration {
	start := time.Now()
	prev := ps.snap()
	for time.Since(start) < limit {
		time.Sleep(200 * time.Millisecond) // a sampling interval, not a wait for a condition
		cur := ps.snap()
		var busy time.Duration
		for i, p := range ps {
			if p.name != "loadgen" {
				busy += cur[i] - prev[i]
			}
		}
		if busy < 20*time.Millisecond {
			break
		}
		prev = cur
	}
	return time.Since(start)
}

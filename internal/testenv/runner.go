package testenv

import (
	"fmt"
	"os"
	"sync"
)

// TB is the part of testing.TB testenv needs. Tests pass their *testing.T;
// commands that need the real servers too (the ingest bench) pass a Runner.
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
	Logf(format string, args ...any)
	TempDir() string
	Cleanup(func())
}

// Runner lets a command start the servers outside a test: Fatal stops
// everything started so far and exits, Close stops it all in reverse order.
type Runner struct {
	mu       sync.Mutex
	cleanups []func()
	dirs     []string
	// Log receives Logf lines (nil: discarded).
	Log func(format string, args ...any)
}

var _ TB = (*Runner)(nil)

func (r *Runner) Helper() {}

func (r *Runner) Fatal(args ...any) { r.fail(fmt.Sprint(args...)) }

func (r *Runner) Fatalf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }

// Skip is fatal for a command: a missing server cannot be skipped.
func (r *Runner) Skip(args ...any) { r.fail(fmt.Sprint(args...)) }

func (r *Runner) Logf(format string, args ...any) {
	if r.Log != nil {
		r.Log(format, args...)
	}
}

func (r *Runner) fail(msg string) {
	fmt.Fprintln(os.Stderr, "testenv:", msg)
	r.Close()
	os.Exit(1)
}

// TempDir returns a new directory removed by Close.
func (r *Runner) TempDir() string {
	d, err := os.MkdirTemp("", "aqwarn-testenv-")
	if err != nil {
		r.fail(err.Error())
	}
	r.mu.Lock()
	r.dirs = append(r.dirs, d)
	r.mu.Unlock()
	return d
}

func (r *Runner) Cleanup(f func()) {
	r.mu.Lock()
	r.cleanups = append(r.cleanups, f)
	r.mu.Unlock()
}

// Close stops every server (last started first) and removes the directories.
func (r *Runner) Close() {
	r.mu.Lock()
	cs, ds := r.cleanups, r.dirs
	r.cleanups, r.dirs = nil, nil
	r.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
	for _, d := range ds {
		os.RemoveAll(d)
	}
}

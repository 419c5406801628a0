package api

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// /readyz: a failing check makes the service not ready (503); a failing
// degraded check (a job that panicked) keeps it serving (200) but says
// "degraded" with the reason; all passing is "ready".
func TestReadyzDegraded(t *testing.T) {
	fail := func(msg string) func(context.Context) error {
		return func(context.Context) error { return errors.New(msg) }
	}
	ok := func(context.Context) error { return nil }
	for _, tc := range []struct {
		name   string
		checks []Check
		code   int
		status string
	}{
		// Everything passes.
		{"ready", []Check{{Name: "store", Check: ok}, {Name: "jobs", Check: ok, Degraded: true}}, 200, "ready"},
		// A job panicked: degraded, still serving, the job named.
		{"degraded", []Check{{Name: "store", Check: ok}, {Name: "jobs", Check: fail("warning-evaluation panicked"), Degraded: true}}, 200, "degraded"},
		// The store is down: not ready, whatever the jobs say.
		{"not ready", []Check{{Name: "store", Check: fail("down")}, {Name: "jobs", Check: fail("x panicked"), Degraded: true}}, 503, "not ready"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testDeps()
			d.Ready = tc.checks
			d.Staff = []StaffToken{{SHA256: HashToken("tok-duty"), User: "duty", Roles: []string{"duty_officer"}},
				{SHA256: HashToken("tok-edu"), User: "edu", Roles: []string{"unit:education"}}}
			h := NewHandler(d)
			w := get(t, h, "/readyz", "Authorization", "Bearer tok-duty")
			var body struct {
				Status string            `json:"status"`
				Checks map[string]string `json:"checks"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if w.Code != tc.code || body.Status != tc.status {
				t.Errorf("%d %q, want %d %q", w.Code, body.Status, tc.code, tc.status)
			}
			if tc.name == "degraded" && body.Checks["jobs"] != "warning-evaluation panicked" {
				t.Errorf("the reason is not shown to staff: %v", body.Checks)
			}
			// The public (and a member unit) learn which check fails, not why
			// (addresses, errors: audit M3); the status is the same.
			for _, hdr := range [][]string{nil, {"Authorization", "Bearer tok-edu"}} {
				pw := get(t, h, "/readyz", hdr...)
				var pub struct {
					Status string            `json:"status"`
					Checks map[string]string `json:"checks"`
				}
				json.Unmarshal(pw.Body.Bytes(), &pub)
				if pw.Code != tc.code || pub.Status != tc.status {
					t.Errorf("public: %d %q, want %d %q", pw.Code, pub.Status, tc.code, tc.status)
				}
				for name, v := range pub.Checks {
					if v != "ok" && v != "failing" {
						t.Errorf("the public sees why %s fails: %q", name, v)
					}
				}
			}
		})
	}
}

// Every answer carries the security headers, errors and assets included
// (audit L8); the pages keep their own policy.
func TestSecurityHeadersEverywhere(t *testing.T) {
	h := NewHandler(testDeps())
	for _, path := range []string{"/api/v1/aqi/current", "/api/v1/nope", "/assets/app.js", "/healthz", "/api/v1/ingest/deadletters", "/"} {
		w := get(t, h, path)
		if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s (%d): headers %v", path, w.Code, w.Header())
		}
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if path == "/" && !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("the page lost its own policy: %q", csp)
		}
	}
}

package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

func decodeError(t *testing.T, body []byte) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not the error shape: %q (%v)", body, err)
	}
	return e
}

// A client that already has the current representation gets 304 without a
// body; any other validator gets the full answer.
func TestConditionalRequests(t *testing.T) {
	h := NewHandler(testDeps())
	first := get(t, h, "/api/v1/aqi/current")
	tag := first.Header().Get("ETag")
	if first.Code != 200 || !strings.HasPrefix(tag, `W/"`) {
		t.Fatalf("status %d, ETag %q", first.Code, tag)
	}
	for _, tc := range []struct {
		name, ifNoneMatch string
		want              int
	}{
		{"same tag", tag, http.StatusNotModified},
		{"strong form of the weak tag still matches (weak comparison)", strings.TrimPrefix(tag, "W/"), http.StatusNotModified},
		{"one of a list", `"x", ` + tag, http.StatusNotModified},
		{"any", "*", http.StatusNotModified},
		{"other tag", `W/"nope"`, http.StatusOK},
		{"none", "", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(t, h, "/api/v1/aqi/current", "If-None-Match", tc.ifNoneMatch)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if tc.want == http.StatusNotModified && w.Body.Len() != 0 {
				t.Errorf("304 with a body: %q", w.Body)
			}
			if w.Header().Get("ETag") != tag {
				t.Errorf("ETag %q, want %q", w.Header().Get("ETag"), tag)
			}
		})
	}
	// Another representation (a filter) has another validator.
	if other := get(t, h, "/api/v1/aqi/current?station=sa").Header().Get("ETag"); other == tag || other == "" {
		t.Errorf("filtered answer has ETag %q (unfiltered %q)", other, tag)
	}
}

func TestCacheControl(t *testing.T) {
	d := testDeps()
	d.Staff = []StaffToken{{SHA256: HashToken("secret"), User: "duty", Roles: []string{"duty_officer"}}}
	h := NewHandler(d)
	for _, tc := range []struct {
		name, url string
		hdr       []string
		want      string
	}{
		{"current AQI changes hourly: a minute", "/api/v1/aqi/current", nil, cacheCurrent},
		{"stations change with the configuration", "/api/v1/stations", nil, cacheStations},
		{"the page revalidates every time", "/", nil, cacheDefault},
		{"an error is never kept in place of the resource", "/api/v1/aqi/current?station=nope", nil, "no-store"},
		{"an answer to credentials stays private", "/api/v1/ingest/deadletters", []string{"Authorization", "Bearer secret"}, cachePrivate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(t, h, tc.url, tc.hdr...)
			if got := w.Header().Get("Cache-Control"); got != tc.want {
				t.Errorf("Cache-Control %q, want %q (status %d)", got, tc.want, w.Code)
			}
		})
	}
}

// gzip when asked for, the same validator either way.
func TestGzip(t *testing.T) {
	h := NewHandler(testDeps())
	plain := get(t, h, "/api/v1/aqi/current")
	zipped := get(t, h, "/api/v1/aqi/current", "Accept-Encoding", "gzip")
	if zipped.Header().Get("Content-Encoding") != "gzip" || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("Content-Encoding plain %q, zipped %q", plain.Header().Get("Content-Encoding"), zipped.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(body, plain.Body.Bytes()) {
		t.Fatalf("gunzipped body differs (%v)", err)
	}
	if zipped.Header().Get("ETag") != plain.Header().Get("ETag") {
		t.Errorf("ETag gzip %q, plain %q", zipped.Header().Get("ETag"), plain.Header().Get("ETag"))
	}
	if !strings.Contains(zipped.Header().Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary %q", zipped.Header().Get("Vary"))
	}
	// Errors go out uncompressed, in the one shape.
	e := get(t, h, "/api/v1/aqi/current?station=nope", "Accept-Encoding", "gzip")
	if e.Header().Get("Content-Encoding") != "" {
		t.Errorf("error compressed")
	}
	decodeError(t, e.Body.Bytes())
}

func TestCORS(t *testing.T) {
	d := testDeps()
	d.CORSOrigins = []string{"https://county.example"}
	h := NewHandler(d)
	for _, tc := range []struct {
		name, origin, method string
		wantStatus           int
		wantAllow            string
	}{
		{"allowed origin reads the API", "https://county.example", http.MethodGet, 200, "https://county.example"},
		{"other origin: the answer, without CORS headers", "https://evil.example", http.MethodGet, 200, ""},
		{"no origin (curl)", "", http.MethodGet, 200, ""},
		{"preflight of an allowed origin", "https://county.example", http.MethodOptions, http.StatusNoContent, "https://county.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/api/v1/aqi/current", nil)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.method == http.MethodOptions {
				req.Header.Set("Access-Control-Request-Method", "GET")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.wantStatus {
				t.Errorf("status %d, want %d", w.Code, tc.wantStatus)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tc.wantAllow {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tc.wantAllow)
			}
		})
	}
	// Without configured origins there are no CORS headers at all.
	w := get(t, NewHandler(testDeps()), "/api/v1/aqi/current", "Origin", "https://county.example")
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("no CORS configured: status %d, allow %q", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}
}

// The limiter's arithmetic at fixed instants: the bucket, the refusal
// that does not spend a future token, the wait it announces, per client.
func TestClientLimiter(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	l := newClientLimiter(rate.Limit(2), 3, nil) // 2/s, bursts of 3
	steps := []struct {
		client string
		at     time.Duration
		want   time.Duration
		why    string
	}{
		{"a", 0, 0, "burst 1"},
		{"a", 0, 0, "burst 2"},
		{"a", 0, 0, "burst 3"},
		{"a", 0, 500 * time.Millisecond, "empty: wait for the next token at 2/s"},
		{"a", 0, 500 * time.Millisecond, "a refusal spends nothing: the same wait"},
		{"b", 0, 0, "another client has its own bucket"},
		{"a", 500 * time.Millisecond, 0, "one token refilled"},
		{"a", 500 * time.Millisecond, 500 * time.Millisecond, "and spent"},
		{"a", 10 * time.Minute, 0, "idle clients are forgotten and start full"},
		{"a", 10 * time.Minute, 0, "full bucket, 2"},
	}
	for i, s := range steps {
		if got := l.reserve(s.client, t0.Add(s.at)); got != s.want {
			t.Errorf("step %d (%s): wait %v, want %v", i, s.why, got, s.want)
		}
	}
}

// Over the limit: 429 in the one error shape with Retry-After; probes are
// never limited.
func TestRateLimitHTTP(t *testing.T) {
	d := testDeps()
	d.RateLimit, d.RateBurst = 1.0/60, 2 // one request a minute after a burst of two
	h := NewHandler(d)
	for i := range 2 {
		if w := get(t, h, "/api/v1/aqi/current"); w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	w := get(t, h, "/api/v1/aqi/current")
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("third request: %d", w.Code)
	}
	if e := decodeError(t, w.Body.Bytes()); e.Error.Code != codeRateLimited {
		t.Errorf("code %q", e.Error.Code)
	}
	if s, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	if w := get(t, h, "/healthz"); w.Code != 200 {
		t.Errorf("/healthz limited: %d", w.Code)
	}
	// Another client (by address) is not affected.
	req := httptest.NewRequest(http.MethodGet, "/api/v1/aqi/current", nil)
	req.RemoteAddr = "192.0.2.7:4711"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("other client: %d", rec.Code)
	}
	// X-Forwarded-For from an untrusted peer does not make a new client.
	req = httptest.NewRequest(http.MethodGet, "/api/v1/aqi/current", nil)
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("spoofed X-Forwarded-For escaped the limit: %d", rec.Code)
	}
}

func TestBodyLimit(t *testing.T) {
	d := testDeps()
	d.MaxBodyBytes = 16
	h := NewHandler(d)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/aqi/current", strings.NewReader(strings.Repeat("x", 17)))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", w.Code)
	}
	if e := decodeError(t, w.Body.Bytes()); e.Error.Code != codeTooLarge {
		t.Errorf("code %q", e.Error.Code)
	}
	// A body that fits passes on (here to the 405 of a GET-only route).
	req = httptest.NewRequest(http.MethodPost, "/api/v1/aqi/current", strings.NewReader("{}"))
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("small body: status %d", w.Code)
	}
}

// A handler that panics still gets gin.Recovery's 500, not an empty 200
// from the buffered writer.
func TestPanicBehindConditional(t *testing.T) {
	h := newEngine(testDeps())
	h.GET("/boom", func(c *gin.Context) { panic("boom") })
	if w := get(t, h, "/boom"); w.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", w.Code)
	}
}

package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
)

type swappableSnapshot struct {
	p atomic.Pointer[aqwarn.AQISnapshot]
}

func (s *swappableSnapshot) Current() *aqwarn.AQISnapshot { return s.p.Load() }

// Cached answers are byte for byte what the handler says, and follow a new
// snapshot, a record turning stale, and the query.
func TestCurrentCacheFollowsChanges(t *testing.T) {
	d := testDeps()
	src := &swappableSnapshot{}
	src.p.Store(d.AQI.Current())
	d.AQI = src
	var now atomic.Int64
	now.Store(hourEnd.Add(10 * time.Minute).UnixNano())
	d.Now = func() time.Time { return time.Unix(0, now.Load()) }
	cached := NewHandler(d)
	fresh := func() []byte { // the handler alone, no cache
		return get(t, NewHandler(d), "/api/v1/aqi/current").Body.Bytes()
	}

	a := get(t, cached, "/api/v1/aqi/current").Body.Bytes()
	if again := get(t, cached, "/api/v1/aqi/current").Body.Bytes(); !bytes.Equal(a, again) || !bytes.Equal(a, fresh()) {
		t.Fatal("a cached answer differs from the handler's")
	}
	if one := get(t, cached, "/api/v1/aqi/current?station=sa").Body.Bytes(); bytes.Equal(one, a) {
		t.Error("a filtered query got the unfiltered answer")
	}

	// "sa" (hour ending hourEnd) turns stale two hours later.
	now.Store(hourEnd.Add(2*time.Hour + time.Minute).UnixNano())
	b := get(t, cached, "/api/v1/aqi/current").Body.Bytes()
	if bytes.Equal(a, b) || !bytes.Equal(b, fresh()) {
		t.Error("the answer did not follow a record turning stale")
	}

	// A new snapshot replaces every kept answer.
	next := *src.p.Load()
	next.Computed = next.Computed.Add(time.Hour)
	src.p.Store(&next)
	c := get(t, cached, "/api/v1/aqi/current").Body.Bytes()
	if bytes.Equal(b, c) || !bytes.Equal(c, fresh()) {
		t.Error("the answer did not follow a new snapshot")
	}
}

// Hit or miss, the answer comes in the coding asked for, with one ETag.
func TestCurrentCacheEncodings(t *testing.T) {
	h := NewHandler(testDeps())
	first := get(t, h, "/api/v1/aqi/current", "Accept-Encoding", "gzip") // a miss
	second := get(t, h, "/api/v1/aqi/current", "Accept-Encoding", "gzip")
	plain := get(t, h, "/api/v1/aqi/current")
	for i, w := range []*httptest.ResponseRecorder{first, second} {
		if w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("answer %d: Content-Encoding %q, Vary %q", i, w.Header().Get("Content-Encoding"), w.Header().Get("Vary"))
		}
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(zr)
		if !bytes.Equal(body, plain.Body.Bytes()) {
			t.Errorf("answer %d: gunzipped body differs from the plain one", i)
		}
		if w.Header().Get("ETag") != plain.Header().Get("ETag") || plain.Header().Get("ETag") == "" {
			t.Errorf("answer %d: ETag %q, plain %q", i, w.Header().Get("ETag"), plain.Header().Get("ETag"))
		}
	}
	if plain.Header().Get("Content-Encoding") != "" || plain.Header().Get("Content-Length") != strconv.Itoa(plain.Body.Len()) {
		t.Errorf("plain answer: Content-Encoding %q, Content-Length %q", plain.Header().Get("Content-Encoding"), plain.Header().Get("Content-Length"))
	}
	if w := get(t, h, "/api/v1/aqi/current", "If-None-Match", plain.Header().Get("ETag")); w.Code != http.StatusNotModified {
		t.Errorf("revalidation: %d", w.Code)
	}
}

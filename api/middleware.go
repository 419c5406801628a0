package api

import (
	"bytes"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/gin-contrib/cors"
	"github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/aqwarn/aqwarn"
)

// Error codes of the HTTP layer itself (mapped in statusOf).
const (
	codeRateLimited = "rate_limited"
	codeTooLarge    = "too_large"
)

// Defaults of the public HTTP limits; Deps fields override them.
const (
	defaultMaxBodyBytes = 1 << 20 // 1 MiB: the largest legitimate body is a forecast upload
	defaultRateBurst    = 200
)

// Cache lifetimes of the public resources. Short for what changes every
// hour, so a browser revalidates (cheaply, with the ETag) rather than shows
// an old AQI; long for what changes only with a new configuration or binary.
const (
	cacheCurrent  = "public, max-age=60"
	cacheHistory  = "public, max-age=300"
	cacheStations = "public, max-age=3600"
	cacheDocs     = "public, max-age=3600"
	cacheDefault  = "no-cache"          // store, but revalidate every time
	cachePrivate  = "private, no-store" // anything asked for with credentials
)

// publicMiddleware is the chain in front of every route, outermost first:
// CORS (so even a rejected request carries the headers a browser needs to
// read the error), rate limit, body size limit, gzip, then conditional
// requests, which must see the uncompressed body to give one validator for
// both encodings.
func publicMiddleware(d Deps) []gin.HandlerFunc {
	var hs []gin.HandlerFunc
	if len(d.CORSOrigins) > 0 {
		hs = append(hs, corsFor(d.CORSOrigins))
	}
	if d.RateLimit > 0 {
		burst := d.RateBurst
		if burst <= 0 {
			burst = defaultRateBurst
		}
		hs = append(hs, newClientLimiter(rate.Limit(d.RateLimit), burst, time.Now).handle)
	}
	maxBody := d.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = defaultMaxBodyBytes
	}
	hs = append(hs, limitBody(maxBody),
		// BestSpeed: the bodies are small JSON and text; level 1 gets most of
		// the saving at a fraction of the CPU of the default level.
		// /api/v1/aqi/current keeps its answers compressed (current_cache.go).
		gzip.Gzip(gzip.BestSpeed, gzip.WithExcludedPaths([]string{"/metrics", "/api/v1/aqi/current"})),
		conditional())
	return hs
}

// corsFor allows the configured origins ("*" for any) to read the public
// API from their pages. gin-contrib/cors gets the preflight details
// (Vary, Max-Age, header and method lists) right; writing that by hand is
// easy to get subtly wrong.
func corsFor(origins []string) gin.HandlerFunc {
	cfg := cors.Config{
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodOptions},
		AllowHeaders:  []string{"Authorization", "Content-Type", "If-None-Match"},
		ExposeHeaders: []string{"ETag", "Retry-After", "Content-Length"},
		MaxAge:        12 * time.Hour,
	}
	for _, o := range origins {
		if o == "*" {
			cfg.AllowAllOrigins = true
		}
	}
	if cfg.AllowAllOrigins {
		return cors.New(cfg)
	}
	cfg.AllowOrigins = origins
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[strings.TrimSuffix(o, "/")] = true
	}
	h := cors.New(cfg)
	return func(c *gin.Context) {
		// The library answers other origins with a bare 403; the public API
		// answers them as usual, just without the CORS headers, so the
		// browser keeps the data from that page and curl is unaffected.
		if o := c.GetHeader("Origin"); o != "" && !allowed[o] {
			c.Next()
			return
		}
		h(c)
	}
}

// cacheControl sets the Cache-Control of a route's successful answers.
func cacheControl(policy string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", policy)
		c.Next()
	}
}

// clientLimiter gives each client (by IP, as gin resolves it with the
// configured trusted proxies) a token bucket from golang.org/x/time/rate,
// and forgets clients idle for a while so the map stays small.
type clientLimiter struct {
	limit rate.Limit
	burst int
	now   func() time.Time // real time: requests arrive in real time, also in the demo

	mu      sync.Mutex
	clients map[string]*clientBucket
	swept   time.Time
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newClientLimiter(limit rate.Limit, burst int, now func() time.Time) *clientLimiter {
	return &clientLimiter{limit: limit, burst: burst, now: now, clients: map[string]*clientBucket{}}
}

// idleAfter is how long a client's bucket is kept without requests; by
// then it has refilled anyway, so forgetting it changes nothing.
func (l *clientLimiter) idleAfter() time.Duration {
	full := time.Duration(float64(l.burst) / float64(l.limit) * float64(time.Second))
	return max(full, time.Minute)
}

// reserve takes one token for client at now and returns how long the
// client must wait when there is none (0: go ahead).
func (l *clientLimiter) reserve(client string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.idleAfter() {
		for k, b := range l.clients {
			if now.Sub(b.seen) > l.idleAfter() {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	b := l.clients[client]
	if b == nil {
		b = &clientBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[client] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Hour
	}
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now) // a refused request must not use up the future token
		return wait
	}
	return 0
}

func (l *clientLimiter) handle(c *gin.Context) {
	switch c.Request.URL.Path {
	case "/healthz", "/readyz", "/metrics": // probes and scrapers are not the public
		c.Next()
		return
	}
	if wait := l.reserve(c.ClientIP(), l.now()); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(secs))
		writeError(c, aqwarn.Errorf(codeRateLimited, "too many requests from this client; retry in %d s", secs))
		return
	}
	c.Next()
}

// limitBody refuses bodies larger than n bytes: at once when the length is
// announced, otherwise when reading passes the limit (the handler's decode
// then fails).
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			writeError(c, aqwarn.Errorf(codeTooLarge, "the request body is larger than %d bytes", n))
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		}
		c.Next()
	}
}

// conditional answers GET and HEAD with a weak ETag over the uncompressed
// body, and with 304 Not Modified when the client already has it. Weak,
// because the bytes on the wire differ with the content coding while the
// representation is the same. Handlers stay unaware of it.
func conditional() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
			c.Next()
			return
		}
		bw := newBufferedWriter(c.Writer)
		c.Writer = bw
		defer func() {
			if p := recover(); p != nil {
				// Let gin.Recovery answer 500 on the real writer, not into the buffer.
				c.Writer = bw.ResponseWriter
				panic(p)
			}
		}()
		c.Next()
		c.Writer = bw.ResponseWriter
		defer bw.release() // not on a panic: the buffer may still be referenced
		h := c.Writer.Header()
		switch {
		case c.GetHeader("Authorization") != "":
			h.Set("Cache-Control", cachePrivate)
		case bw.status >= 300:
			h.Set("Cache-Control", "no-store") // never keep an error in place of the resource
		case h.Get("Cache-Control") == "":
			h.Set("Cache-Control", cacheDefault)
		}
		if bw.status != http.StatusOK || bw.streamed {
			bw.flush()
			return
		}
		tag := h.Get("ETag") // a handler that knows its validator (current_cache.go) sets it
		if tag == "" {
			tag = etagOf(bw.buf.Bytes())
			h.Set("ETag", tag)
		}
		if etagMatches(c.GetHeader("If-None-Match"), tag) {
			h.Del("Content-Type")
			h.Del("Content-Length")
			c.Writer.WriteHeader(http.StatusNotModified)
			c.Writer.WriteHeaderNow()
			return
		}
		bw.flush()
	}
}

// etagOf is the weak validator of an uncompressed body.
func etagOf(body []byte) string {
	return `W/"` + strconv.FormatUint(xxhash.Sum64(body), 36) + `"`
}

// etagMatches applies the weak comparison of RFC 9110 §13.1.2.
func etagMatches(header, tag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// bodyBuffers recycles response buffers: most answers are a few kB, and
// a fresh buffer per request would be garbage at every request.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func newBufferedWriter(w gin.ResponseWriter) *bufferedWriter {
	p := bodyBuffers.Get().(*[]byte)
	return &bufferedWriter{ResponseWriter: w, status: http.StatusOK, buf: *bytes.NewBuffer((*p)[:0]), pooled: p}
}

// release returns the buffer once its bytes have been written out.
func (w *bufferedWriter) release() {
	if w.pooled == nil || w.buf.Cap() > 1<<20 { // keep no giant buffers around
		return
	}
	*w.pooled = w.buf.Bytes()[:0]
	bodyBuffers.Put(w.pooled)
	w.pooled = nil
}

// bufferedWriter holds a response until the handler is done so a
// validator can be computed over it. Streams (Flush) go straight through.
type bufferedWriter struct {
	gin.ResponseWriter
	buf      bytes.Buffer
	pooled   *[]byte // where buf came from (newBufferedWriter)
	status   int
	wrote    bool // WriteHeader called
	streamed bool
}

func (w *bufferedWriter) WriteHeader(code int) {
	if w.streamed {
		return
	}
	w.status, w.wrote = code, true
}

func (w *bufferedWriter) WriteHeaderNow() {}

func (w *bufferedWriter) Write(b []byte) (int, error) {
	if w.streamed {
		return w.ResponseWriter.Write(b)
	}
	w.wrote = true
	return w.buf.Write(b)
}

func (w *bufferedWriter) WriteString(s string) (int, error) {
	if w.streamed {
		return w.ResponseWriter.WriteString(s)
	}
	w.wrote = true
	return w.buf.WriteString(s)
}

func (w *bufferedWriter) Status() int { return w.status }

func (w *bufferedWriter) Size() int {
	if w.streamed {
		return w.ResponseWriter.Size()
	}
	if !w.wrote {
		return -1
	}
	return w.buf.Len()
}

func (w *bufferedWriter) Written() bool { return w.wrote || w.streamed }

// Flush switches to pass-through: whatever is buffered goes out now.
func (w *bufferedWriter) Flush() {
	if !w.streamed {
		w.flush()
		w.streamed = true
	}
	w.ResponseWriter.Flush()
}

// flush writes the held status and body to the real writer.
func (w *bufferedWriter) flush() {
	if w.streamed {
		return
	}
	if w.wrote || w.buf.Len() > 0 {
		// The length is known: net/http sends it instead of chunks, which
		// saves a write per response (gzip, when on, replaces it).
		if w.buf.Len() > 0 && w.Header().Get("Content-Length") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(w.buf.Len()))
		}
		w.ResponseWriter.WriteHeader(w.status)
		if w.buf.Len() > 0 {
			w.ResponseWriter.Write(w.buf.Bytes())
		} else {
			w.ResponseWriter.WriteHeaderNow()
		}
	}
}

package api

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
)

// The current AQI is the most read resource and changes once an hour, so
// its encoded answers are kept per snapshot, plain and gzip-compressed,
// with their ETag: encoding ~12 kB of JSON, or compressing it, on every
// request would cost most of the endpoint's time. (The general gzip
// middleware skips this route; see publicMiddleware.)
//
// An answer depends on the snapshot, the query and which records are
// stale at the moment. Staleness only grows with time, so the number of
// stale records says which ones are: together they key the cache exactly,
// with no expiry to tune.
type currentCache struct {
	aqi        CurrentAQI
	staleAfter time.Duration
	now        func() time.Time

	mu      sync.RWMutex
	snap    *aqwarn.AQISnapshot
	answers map[currentKey]*cachedAnswer
}

// cachedAnswer is one 200 answer in both encodings.
type cachedAnswer struct {
	plain, gz []byte
	etag      string
}

type currentKey struct {
	query string
	stale int
}

// maxCachedQueries bounds the cache against arbitrary query strings.
const maxCachedQueries = 64

func newCurrentCache(d Deps) *currentCache {
	return &currentCache{aqi: d.AQI, staleAfter: d.StaleAfter, now: d.Now}
}

// handle answers from the cache when it can and fills it otherwise.
func (cc *currentCache) handle(c *gin.Context) {
	snap := cc.aqi.Current()
	if snap == nil {
		c.Next() // the handler explains
		return
	}
	key := currentKey{query: c.Request.URL.RawQuery, stale: cc.staleCount(snap)}
	cc.mu.RLock()
	ans, ok := cc.answers[key]
	same := cc.snap == snap
	cc.mu.RUnlock()
	if ok && same {
		ans.write(c)
		c.Abort()
		return
	}
	// A miss: hold the handler's answer, keep it, and send it as a hit
	// would be sent (compressed when asked).
	bw := newBufferedWriter(c.Writer)
	c.Writer = bw
	c.Next()
	c.Writer = bw.ResponseWriter
	defer bw.release()
	if bw.status != http.StatusOK || bw.streamed {
		bw.flush()
		return
	}
	ans = newCachedAnswer(bw.buf.Bytes())
	ans.write(c)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.snap != snap {
		cc.snap, cc.answers = snap, map[currentKey]*cachedAnswer{}
	}
	if len(cc.answers) < maxCachedQueries {
		cc.answers[key] = ans
	}
}

func newCachedAnswer(body []byte) *cachedAnswer {
	var zb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zb, gzip.BestCompression) // once per snapshot: worth the best
	zw.Write(body)
	zw.Close()
	return &cachedAnswer{plain: bytes.Clone(body), gz: zb.Bytes(), etag: etagOf(body)}
}

// write sends the answer in the encoding the client accepts; the ETag is
// the same for both (weak: one representation, two codings).
func (a *cachedAnswer) write(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("ETag", a.etag)
	h.Add("Vary", "Accept-Encoding")
	if strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		c.Data(http.StatusOK, "application/json; charset=utf-8", a.gz)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", a.plain)
}

func (cc *currentCache) staleCount(snap *aqwarn.AQISnapshot) int {
	now := cc.now()
	n := 0
	for _, m := range []map[string]aqwarn.AQIRecord{snap.Stations, snap.Regions} {
		for _, rec := range m {
			if now.Sub(rec.Time) > cc.staleAfter {
				n++
			}
		}
	}
	return n
}

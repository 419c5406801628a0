// Package api is the HTTP face of aqwarn (gin): the public AQI endpoints,
// the staff endpoints and the operational ones (/healthz, /readyz,
// /metrics). Every route is declared in routes.go; handlers are made by
// functions that take their dependencies explicitly; every failure is
// written in one shape: {"error": {"code": "...", "message": "..."}}.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
)

// CurrentAQI hands out the newest AQI snapshot (kept in memory by the AQI job).
type CurrentAQI interface {
	Current() *aqwarn.AQISnapshot
}

// DeadLetterLister lists kept rejections.
type DeadLetterLister interface {
	ListDeadLetters(ctx context.Context, reason, station string, before int64, limit int) ([]aqwarn.DeadLetter, error)
}

// Check is one readiness condition.
type Check struct {
	Name  string
	Check func(ctx context.Context) error
	// Degraded: a failure is reported ("degraded", with the reason) but
	// the service still serves (HTTP 200), e.g. a job that panicked.
	Degraded bool
}

// Deps are what the handlers need. Optional ones may be nil.
type Deps struct {
	AQI         CurrentAQI
	DeadLetters DeadLetterLister
	Stations    []aqwarn.Station
	Regions     []aqwarn.Region
	Ready       []Check
	Metrics     http.Handler // Prometheus handler for /metrics
	Staff       []StaffToken // hashed staff bearer tokens with their roles (auth.go)
	Alert       *AlertDeps   // the warning engine (warnings.go); nil: its routes answer 503
	Publish     *PublishDeps // warning delivery (units.go, feed.go); nil: its routes answer 503
	StaleAfter  time.Duration
	Now         func() time.Time
	Logger      *slog.Logger
	// StationHealth reports stations offline (stations_health.go); nil: 503.
	StationHealth StationHealthLister
	// Reduction is the emission-reduction list's public side (sources.go);
	// nil: its routes answer 503.
	Reduction *ReductionDeps
	// Lists is the reduction list's yearly revision (lists.go); nil: 503.
	Lists *ListDeps
	// Compliance is the inspection loop (compliance.go); nil: 503.
	Compliance *ComplianceDeps
	// Stats are the statistics and the county's targets (stats.go); nil: 503.
	Stats *StatsDeps

	// Public HTTP (middleware.go, history.go).
	History        AQIHistory // stored hourly AQI for /api/v1/aqi/history; nil: 503
	CORSOrigins    []string   // origins allowed to read the API from their pages ("*": any); empty: no CORS
	RateLimit      float64    // requests per second per client; 0: no limit
	RateBurst      int        // bucket size per client (default 200)
	MaxBodyBytes   int64      // request body limit (default 1 MiB)
	TrustedProxies []string   // proxies whose X-Forwarded-For names the client; empty: none
	// HSTS: served over TLS, browsers are told to keep to HTTPS.
	HSTS bool
}

// CST is China Standard Time, in which every time is shown.
var CST = aqi.CST

// NewHandler builds the HTTP handler.
func NewHandler(d Deps) http.Handler { return headAsGet(newEngine(d)) }

// newEngine builds the gin router with every route of routes.go.
func newEngine(d Deps) *gin.Engine {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.StaleAfter <= 0 {
		d.StaleAfter = 2 * time.Hour
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.SetTrustedProxies(d.TrustedProxies) // nil: the peer address is the client, whatever it claims
	r.Use(securityHeaders(d.HSTS), gin.Recovery(), logRequests(d.Logger))
	r.Use(publicMiddleware(d)...)
	r.HandleMethodNotAllowed = true
	r.NoRoute(func(c *gin.Context) {
		writeError(c, aqwarn.Errorf(aqwarn.ENOTFOUND, "no such endpoint: %s", c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		writeError(c, &aqwarn.Error{Code: "method_not_allowed", Message: c.Request.Method + " is not allowed here"})
	})
	addRoutes(r, d)
	return r
}

// headAsGet answers HEAD like GET, without the body (RFC 9110 §9.3.2):
// uptime monitors and caches ask with HEAD. gin routes by method, so the
// request goes on as a GET; the response writer still belongs to the HEAD
// request, and net/http sends no body for it.
func headAsGet(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			r = r.Clone(r.Context())
			r.Method = http.MethodGet
		}
		h.ServeHTTP(w, r)
	})
}

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	aqwarn.EINVALID:      http.StatusUnprocessableEntity,
	aqwarn.ENOTFOUND:     http.StatusNotFound,
	aqwarn.ECONFLICT:     http.StatusConflict,
	aqwarn.EUNAUTHORIZED: http.StatusUnauthorized,
	aqwarn.EFORBIDDEN:    http.StatusForbidden,
	aqwarn.EUNAVAILABLE:  http.StatusServiceUnavailable,
	aqwarn.EINTERNAL:     http.StatusInternalServerError,
	"method_not_allowed": http.StatusMethodNotAllowed,
	"bad_request":        http.StatusBadRequest,
	codeRateLimited:      http.StatusTooManyRequests,
	codeTooLarge:         http.StatusRequestEntityTooLarge,
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with the error's status and the one error shape.
// Internal details are logged, never shown.
func writeError(c *gin.Context, err error) {
	code := aqwarn.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	var body errorBody
	body.Error.Code = aqwarn.ErrorReason(err) // the domain's finer code when it has one
	body.Error.Message = aqwarn.ErrorMessage(err)
	var e *aqwarn.Error
	if status >= 500 || !errors.As(err, &e) {
		loggerOf(c).Error("request failed", "path", c.Request.URL.Path, "err", err)
	}
	c.AbortWithStatusJSON(status, body)
}

func logRequests(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(loggerKey, log)
		start := time.Now()
		c.Next()
		log.Debug("http", "method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status(), "dur", time.Since(start))
	}
}

// securityHeaders go on every answer, errors included (audit L8): no type
// sniffing, no referrer, nothing may frame or run anything in an answer
// unless its handler says otherwise (the pages and the report set their
// own policy).
func securityHeaders(hsts bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		c.Next()
	}
}

const loggerKey = "aqwarn.logger"

// loggerOf is the handler's injected logger (Deps.Logger).
func loggerOf(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

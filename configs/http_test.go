package configs

import (
	"strings"
	"testing"
)

// The public HTTP limits: defaults that hold for a county audience behind
// carrier NAT, overrides, and one error naming every bad value.
func TestHTTPLimits(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.RateLimit != 50 || c.HTTP.RateBurst != 200 || c.HTTP.MaxBodyBytes != 1<<20 || len(c.HTTP.CORSOrigins) != 0 {
		t.Errorf("defaults %+v", c.HTTP)
	}
	c, err = Load("", env(map[string]string{"AQWARN_HTTP_RATE_LIMIT": "0.5", "AQWARN_HTTP_RATE_BURST": "3"}))
	if err != nil || c.HTTP.RateLimit != 0.5 || c.HTTP.RateBurst != 3 {
		t.Errorf("env overrides: %+v %v", c.HTTP, err)
	}
	for _, tc := range []struct {
		name string
		set  func(*HTTP)
		want string
	}{
		{"negative rate", func(h *HTTP) { h.RateLimit = -1 }, "must not be negative"},
		{"proxy that is not an address", func(h *HTTP) { h.TrustedProxies = []string{"10.0.0.0/8", "nginx"} }, `"nginx" is not an IP address or CIDR`},
	} {
		c, err := Default()
		if err != nil {
			t.Fatal(err)
		}
		tc.set(&c.HTTP)
		if p := strings.Join(c.validate(), "\n"); !strings.Contains(p, tc.want) {
			t.Errorf("%s: problems %q, want %q", tc.name, p, tc.want)
		}
	}
}

package configs

import (
	"strings"
	"testing"
)

// hj212.monitors: each names a listed source's online monitor once, with a
// password; outside the demo not an example one. A source's MQTT account
// (role source) must name a listed source.
func TestHJ212MonitorsChecked(t *testing.T) {
	base := "demo: {enabled: false}\nauth: {tokens: []}\n" +
		"stations: [{id: s1, name_zh: 站, name_en: S, region: jianghua, pollutants: [pm25]}]\n" +
		"reduction_list: embedded:reduction/jianghua-2026.yaml\n"
	hash := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, conf string
		want       string // "" = accepted
	}{
		// cem-a's stack monitor with its own password.
		{"a listed monitor", `hj212: {monitors: [{mn: "43112900000101", password: "tK4-monitorPW"}]}`, ""},
		{"an MN of no listed source", `hj212: {monitors: [{mn: "43112900009999", password: "tK4-monitorPW"}]}`, `MN "43112900009999" is no listed source's online monitor`},
		{"listed twice", `hj212: {monitors: [{mn: "43112900000101", password: "a-Long-one-1"}, {mn: "43112900000101", password: "a-Long-one-2"}]}`, "listed twice"},
		{"no password", `hj212: {monitors: [{mn: "43112900000101"}]}`, "has no password"},
		// The loggers' factory default is refused outside the demo.
		{"factory password", `hj212: {monitors: [{mn: "43112900000101", password: "123456"}]}`, `password "123456" is an example or factory default`},
		{"a source's account", `mqtt: {embedded: true, accounts: [{username: source-cem-a, role: source, subject: cem-a, password_sha256: ` + hash + `}]}`, ""},
		{"an account of no listed source", `mqtt: {embedded: true, accounts: [{username: source-x, role: source, subject: nobody, password_sha256: ` + hash + `}]}`, `"nobody" is not a source of the reduction list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := base + tc.conf + "\n"
			if !strings.HasPrefix(tc.conf, "mqtt:") {
				conf += "mqtt: {embedded: true}\n"
			}
			_, err := Parse([]byte(conf), env(map[string]string{"AQWARN_NOTICE_KEY": "test-notice-key-0123456789"}))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// garbage makes the flood's payloads, in turn one of each kind (as the
// audit's flooder did for the kinds a station account can send on its own
// readings topic). Payloads are built into one buffer: each is written
// out before the next is made.
type garbage struct {
	rnd   *rand.Rand
	buf   []byte
	good  []byte // a valid reading of the station, to cut and to spoil
	deep  []byte
	count map[string]int
}

// garbageKinds in the order they are sent; the reason each is expected
// to get is in the report only as the service counts it.
var garbageKinds = []string{"random bytes", "truncated JSON", "deep nesting", "unknown unit", "bad time"}

// nestingDepth is how deep the nested payload goes (the audit used 5,000).
const nestingDepth = 5000

func newGarbage(station string, now time.Time) *garbage {
	hour := now.Truncate(time.Hour).Add(-time.Hour).In(aqi.CST).Format(time.RFC3339)
	g := &garbage{rnd: rand.New(rand.NewPCG(4, 2)), count: map[string]int{},
		good: fmt.Appendf(nil, `{"station":%q,"time":%q,"interval":"1h","values":{"pm25":{"value":35,"unit":"ug/m3"},"no2":{"value":21.5,"unit":"ug/m3"}}}`, station, hour)}
	g.deep = fmt.Appendf(nil, `{"station":%q,"time":%q,"interval":"1h","values":%s%s}`, station, hour,
		strings.Repeat("[", nestingDepth), strings.Repeat("]", nestingDepth))
	return g
}

// next returns the i-th payload, valid until the next call.
func (g *garbage) next(i int) []byte {
	kind := garbageKinds[i%len(garbageKinds)]
	g.count[kind]++
	b := g.buf[:0]
	switch kind {
	case "random bytes":
		n := 64 + g.rnd.IntN(960)
		for range n {
			b = append(b, byte(g.rnd.Uint32()))
		}
		if b[0] == '{' || b[0] == '[' { // keep it unmistakably not JSON
			b[0] = 0xff
		}
	case "truncated JSON":
		b = append(b, g.good[:1+g.rnd.IntN(len(g.good)-2)]...)
	case "deep nesting":
		b = append(b, g.deep...)
	case "unknown unit":
		units := []string{"furlong/fortnight", "grains/ft3", "ppt", "µg/L"}
		b = append(b, strings.Replace(string(g.good), `"unit":"ug/m3"`, fmt.Sprintf("%q:%q", "unit", units[g.rnd.IntN(len(units))]), 1)...)
	case "bad time":
		times := []string{"2026-12-01T13:00:00", "yesterday", "", "2026-13-45T99:00:00+08:00", "1764565200"}
		t := times[g.rnd.IntN(len(times))]
		s := string(g.good)
		i := strings.Index(s, `"time":"`) + len(`"time":"`)
		j := i + strings.IndexByte(s[i:], '"')
		b = append(b, s[:i]+t+s[j:]...)
	}
	g.buf = b
	return b
}

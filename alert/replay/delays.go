package replay

import (
	"fmt"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert"
)

// ParseDelays reads approval delays, "yellow=2h,orange=4h" (the syntax of
// `aqwarn replay --approval-delay`), against the plan's level ids. An empty
// string is no delay (nil).
func ParseDelays(s string, plan *alert.Plan) (map[string]time.Duration, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]time.Duration{}
	for _, part := range strings.Split(s, ",") {
		id, d, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("replay: --approval-delay %q: want level=duration, e.g. orange=4h", part)
		}
		if l, ok := plan.LevelByID(id); !ok || l == alert.LevelNone {
			return nil, fmt.Errorf("replay: --approval-delay: %q is not a level of plan %s", id, plan.ID)
		}
		v, err := time.ParseDuration(d)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("replay: --approval-delay %s: %q is not a duration", id, d)
		}
		out[id] = v
	}
	return out, nil
}

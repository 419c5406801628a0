package configs

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/stats"
)

// TargetFiles holds the bundled yearly targets (the demo county's,
// illustrative).
//
//go:embed targets
var TargetFiles embed.FS

// ParsedTargets are the county's yearly air-quality targets the
// configuration names (targets:), parsed and checked against the plan's
// regions and the station registry at load; nil when none are named.
func (c *Config) ParsedTargets() *stats.Targets { return c.targets }

// readFileOr reads "embedded:NAME" from files, any other path from disk.
func readFileOr(files fs.FS, path string) ([]byte, error) {
	if name, ok := strings.CutPrefix(path, "embedded:"); ok {
		return fs.ReadFile(files, name)
	}
	return os.ReadFile(path)
}

// checkTargets reads the targets file strictly (package stats: unknown
// keys, values out of range, every problem with its line) and checks its
// scopes against the plan's regions and the configured stations.
func (c *Config) checkTargets(plan *alert.Plan) []string {
	c.targets = nil
	if c.Targets == "" {
		return nil
	}
	b, err := readFileOr(TargetFiles, c.Targets)
	if err != nil {
		return []string{fmt.Sprintf("targets %s: %v", c.Targets, err)}
	}
	refs := stats.Refs{}
	for _, r := range plan.Regions {
		refs.Regions = append(refs.Regions, r.ID)
	}
	for _, s := range c.Stations {
		refs.Stations = append(refs.Stations, s.ID)
	}
	ts, err := stats.ParseTargets(b, refs)
	if err != nil {
		var te *stats.TargetsError
		if errors.As(err, &te) {
			p := make([]string, 0, len(te.Problems)+1)
			if len(te.Problems) == 0 {
				return []string{fmt.Sprintf("targets %s: %v", c.Targets, err)}
			}
			for _, pr := range te.Problems {
				p = append(p, fmt.Sprintf("targets %s: %s", c.Targets, pr))
			}
			return p
		}
		return []string{fmt.Sprintf("targets %s: %v", c.Targets, err)}
	}
	c.targets = ts
	return nil
}

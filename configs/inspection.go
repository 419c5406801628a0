package configs

import (
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/inspect"
)

// Inspection configures the inspection loop of compliance
// (compliance/inspect): its checklists and consequences files (embedded
// with the engine's data in Compliance, "embedded:compliance/NAME.yaml"),
// and how often the compliance engine is asked for events.
type Inspection struct {
	// Checklists and Consequences are paths, or "embedded:compliance/NAME.yaml".
	Checklists   string `yaml:"checklists"`
	Consequences string `yaml:"consequences"`
	// Params are the compliance engine's numbers (rules R1–R8, baseline,
	// grace; package compliance): a path or "embedded:compliance/defaults.yaml".
	Params string `yaml:"params"`
	// Inventory is the county's emission inventory the reduction
	// accounting counts the list's cuts against (a path or
	// "embedded:compliance/NAME.yaml"; empty: no accounting).
	Inventory string `yaml:"inventory"`
	// DataLag is how far behind now the engine looks, for readings still
	// on their way (a meter not heard from for DataLag is not yet a gap).
	DataLag time.Duration `yaml:"data_lag"`
	// Every is how often the engine's events are fetched (its data are
	// 15-minute intervals).
	Every time.Duration `yaml:"every"`

	checklists   *inspect.Checklists
	consequences *inspect.Consequences
	params       *compliance.Params
	inventory    *compliance.Inventory
}

var inspectionDefaults = Inspection{Checklists: "embedded:compliance/checklists.yaml",
	Consequences: "embedded:compliance/consequences.yaml", Params: "embedded:compliance/defaults.yaml", DataLag: 15 * time.Minute, Every: 15 * time.Minute}

// ParsedChecklists and ParsedConsequences are the loop's files, parsed
// and validated (against the plan's roles) at load.
func (i *Inspection) ParsedChecklists() *inspect.Checklists     { return i.checklists }
func (i *Inspection) ParsedConsequences() *inspect.Consequences { return i.consequences }

// ParsedParams are the compliance engine's parameters, parsed at load.
func (i *Inspection) ParsedParams() *compliance.Params { return i.params }

// ParsedInventory is the county inventory, parsed at load (nil: none).
func (i *Inspection) ParsedInventory() *compliance.Inventory { return i.inventory }

// check parses both files against the plan; every problem is one line of
// the configuration's one error.
func (i *Inspection) check(plan *alert.Plan) []string {
	var p []string
	if i.Every <= 0 {
		p = append(p, "inspection.every must be a positive duration (e.g. 15m)")
	}
	if i.DataLag < 0 || i.DataLag > 24*time.Hour {
		p = append(p, fmt.Sprintf("inspection.data_lag %s: want 0 to 24h (e.g. 15m)", i.DataLag))
	}
	b, err := readFileOr(Compliance, i.Checklists)
	if err == nil {
		i.checklists, err = inspect.ParseChecklists(b)
	}
	if err != nil {
		p = append(p, fmt.Sprintf("inspection.checklists %s: %v", i.Checklists, err))
	}
	var roles []string
	for _, r := range plan.Roles {
		roles = append(roles, r.ID)
	}
	b, err = readFileOr(Compliance, i.Consequences)
	if err == nil {
		i.consequences, err = inspect.ParseConsequences(b, roles)
	}
	if err != nil {
		p = append(p, fmt.Sprintf("inspection.consequences %s: %v", i.Consequences, err))
	}
	b, err = readFileOr(Compliance, i.Params)
	if err == nil {
		i.params, err = compliance.ParseParams(b)
	}
	if err != nil {
		p = append(p, fmt.Sprintf("inspection.params %s: %v", i.Params, err))
	}
	i.inventory = nil
	if i.Inventory != "" {
		b, err = readFileOr(Compliance, i.Inventory)
		if err == nil {
			i.inventory, err = compliance.ParseInventory(b)
		}
		if err != nil {
			p = append(p, fmt.Sprintf("inspection.inventory %s: %v", i.Inventory, err))
		}
	}
	return p
}

// OpenList returns the text of the configured reduction list (nil when
// none is configured): what a downgrade's draft edits when the year has
// no version yet.
func (c *Config) OpenList() ([]byte, error) {
	if c.ReductionList == "" {
		return nil, nil
	}
	return readFileOr(Lists, c.ReductionList)
}

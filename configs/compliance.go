package configs

import "embed"

// Compliance holds the compliance engine's parameters and the county's
// emission inventory (compliance/defaults.yaml, compliance/inventory-*.yaml),
// embedded so the binary runs without them on disk.
//
//go:embed compliance
var Compliance embed.FS

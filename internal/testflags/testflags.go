// Package testflags holds the one -update flag of the golden-file tests:
// `go test ./PKG -update` rewrites that package's golden files in testdata/
// instead of comparing against them (review the diff before committing).
// Only tests import it, so the flag never reaches a command's own flags.
package testflags

import "flag"

// Update is -update.
var Update = flag.Bool("update", false, "rewrite the golden files in testdata/ instead of comparing against them")

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlags is a subcommand's flag set: errors and usage go to stderr, the
// usage text first and the flags after it.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses a subcommand's arguments. stop is true when there is
// nothing to run: help was asked for (err nil; the usage is printed) or
// the arguments are wrong (err says how).
func parseFlags(fs *flag.FlagSet, args []string) (stop bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return true, err
	}
	return false, nil
}

// csvFiles declares --csv FILE (repeatable) and lets a shell glob follow
// it (see gatherFiles): the files are appended to *files.
func csvFiles(fs *flag.FlagSet, files *[]string) {
	fs.Func("csv", "station CSV files (gzipped or not; the shell's glob may follow: --csv a.csv.gz b.csv.gz ...)", func(s string) error {
		*files = append(*files, s)
		return nil
	})
}

// gatherFiles lets a shell glob follow --csv: "--csv a b c --to X" becomes
// "--csv a --csv b --csv c --to X".
func gatherFiles(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		out = append(out, a)
		if a != "--csv" && a != "-csv" {
			continue
		}
		if i+1 < len(args) {
			out = append(out, args[i+1])
			i++
		}
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			out = append(out, "--csv", args[i+1])
			i++
		}
	}
	return out
}

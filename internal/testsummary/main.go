// Command testsummary reads `go test -json` on stdin, passes the human
// output through, and ends with a summary: failures and skips by name, the
// tests that ran against real servers (they log "testenv: started"), and
// the closing line "N passed, N failed, N skipped". It exits non-zero when
// a test or a package failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	var passed, failed, skipped int
	var failures, skips []string
	servers := map[string]map[string]bool{} // test → servers started
	pkgFailed := false
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Println(sc.Text()) // build errors and the like
			continue
		}
		name := e.Package + "." + e.Test
		switch e.Action {
		case "output":
			if e.Test == "" {
				if s := strings.TrimRight(e.Output, "\n"); strings.HasPrefix(s, "ok") || strings.HasPrefix(s, "FAIL") || strings.HasPrefix(s, "---") || strings.Contains(s, "[no test files]") {
					fmt.Println(s)
				}
			} else if i := strings.Index(e.Output, "testenv: started "); i >= 0 {
				if servers[name] == nil {
					servers[name] = map[string]bool{}
				}
				servers[name][strings.Fields(e.Output[i+len("testenv: started "):])[0]] = true
			} else if strings.Contains(e.Output, "--- FAIL") || strings.Contains(e.Output, "_test.go:") || strings.Contains(e.Output, "panic:") {
				fmt.Print(e.Output)
			}
		case "pass":
			if e.Test != "" {
				passed++
			}
		case "fail":
			if e.Test != "" {
				failed++
				failures = append(failures, name)
			} else {
				pkgFailed = true
			}
		case "skip":
			if e.Test != "" {
				skipped++
				skips = append(skips, name)
			}
		}
	}
	if len(servers) > 0 {
		var names []string
		for n, s := range servers {
			var list []string
			for k := range s {
				list = append(list, k)
			}
			sort.Strings(list)
			names = append(names, fmt.Sprintf("  %s (%s)", n, strings.Join(list, ", ")))
		}
		sort.Strings(names)
		fmt.Printf("\nIntegration tests against real servers (%d):\n%s\n", len(names), strings.Join(names, "\n"))
	}
	if len(skips) > 0 {
		fmt.Printf("\nSkipped (%d):\n  %s\n", len(skips), strings.Join(skips, "\n  "))
	}
	if len(failures) > 0 {
		fmt.Printf("\nFailed (%d):\n  %s\n", len(failures), strings.Join(failures, "\n  "))
	}
	fmt.Printf("\n%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || pkgFailed {
		os.Exit(1)
	}
}

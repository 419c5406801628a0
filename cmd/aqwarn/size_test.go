package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cmd/aqwarn holds flags, configuration loading and the calls into app
// and the command packages (issue 13): under 600 lines. A component that
// grows here belongs in a package of its own, with its own tests.
func TestMainStaysThin(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines += bytes.Count(b, []byte("\n"))
	}
	if lines == 0 || lines >= 600 {
		t.Errorf("cmd/aqwarn has %d lines of non-test Go, want under 600 (move the work into a package)", lines)
	}
}

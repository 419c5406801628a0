package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func replayArgs(t *testing.T, extra ...string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "beijing", "*.csv.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bundled Beijing excerpt: %v", err)
	}
	args := []string{"replay", "--plan", filepath.Join("..", "..", "configs", "plans", "jianghua-2024.yaml"), "--csv"}
	args = append(args, files...) // as a shell glob would pass them
	return append(args, extra...)
}

// `aqwarn replay` prints what package alert/replay's golden files hold
// (the engine is tested there), the summary line and, with --format csv,
// the scorecard on stderr; --scorecard writes it to a file too.
func TestReplayCommandMatchesGolden(t *testing.T) {
	sc := filepath.Join(t.TempDir(), "scorecard.txt")
	for _, tc := range []struct {
		golden string
		extra  []string
	}{
		{"replay-perfect.csv", []string{"--format", "csv", "--scorecard", sc}},
		{"replay-perfect.json", []string{"--format", "json"}},
		{"replay-persistence-2015.csv", []string{"--forecast", "persistence", "--from", "2015-11-25", "--to", "2015-12-04"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), replayArgs(t, tc.extra...), nil, nil, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			want, err := os.ReadFile(filepath.Join("..", "..", "alert", "replay", "testdata", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(stdout.Bytes(), want) {
				t.Errorf("stdout differs from alert/replay/testdata/%s:\n%s", tc.golden, stdout.String())
			}
			if !strings.HasPrefix(stderr.String(), "aqwarn replay: 3 stations, ") {
				t.Errorf("no summary line on stderr:\n%s", stderr.String())
			}
			if csv := strings.HasSuffix(tc.golden, ".csv"); csv != strings.Contains(stderr.String(), "flips_48h") {
				t.Errorf("scorecard on stderr: %v, want %v:\n%s", !csv, csv, stderr.String())
			}
		})
	}
	if b, err := os.ReadFile(sc); err != nil || !bytes.Contains(b, []byte("flips_48h")) {
		t.Errorf("--scorecard file: %v\n%s", err, b)
	}
}

func TestReplayFlags(t *testing.T) {
	for _, args := range [][]string{
		{"replay"},
		{"replay", "--csv", "x.csv", "--forecast", "oracle"},
		{"replay", "--csv", "x.csv", "--forecast", ""},
		{"replay", "--csv", "x.csv", "--format", "xml"},
		{"replay", "--csv", "x.csv", "--from", "1 Dec"},
		{"replay", "--csv", "x.csv", "--horizon", "12"},
		{"replay", "--csv", "x.csv", "--approval-delay", "purple=2h"},
		{"replay", "--csv", "x.csv", "--approval-delay", "orange=soon"},
	} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, nil, nil, &out, &errb); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	got := gatherFiles([]string{"--plan", "p", "--csv", "a", "b", "c", "--format", "json"})
	want := "--plan p --csv a --csv b --csv c --format json"
	if strings.Join(got, " ") != want {
		t.Errorf("gatherFiles = %v", got)
	}
}

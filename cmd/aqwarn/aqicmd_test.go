package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The computation is tested in package aqi/aqicli; these are the flags.

func runAQIText(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), append([]string{"aqi"}, args...), nil, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestAQIFlags(t *testing.T) {
	// -h prints the usage and is not an error.
	_, errOut, err := runAQIText(t, "", "-h")
	if err != nil || !strings.Contains(errOut, "aqwarn aqi") || !strings.Contains(errOut, "-mode") {
		t.Errorf("-h: %v %q", err, errOut)
	}
	for _, args := range [][]string{
		{"--mode", "weekly"},  // unknown mode
		{"--edition", "2019"}, // unknown edition
		{"--method", "guess"}, // unknown method
		{"--csv"},             // no files
		{"file.csv"},          // files without --csv
		{"--nope"},            // unknown flag
	} {
		if _, _, err := runAQIText(t, "", args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// The flags reach the package: a JSON line under --mode daily --edition
// 2012, and --csv with a file.
func TestAQICommand(t *testing.T) {
	out, errOut, err := runAQIText(t, `{"id":1,"pm25":60}`+"\n", "--mode", "daily", "--edition", "2012")
	if err != nil || errOut != "" || !strings.HasPrefix(out, `{"id":1,"aqi":82,`) || !strings.Contains(out, `"edition":2012`) {
		t.Errorf("daily 2012: %v %q %s", err, errOut, out)
	}
	out, _, err = runAQIText(t, "", "--csv", "--edition", "2026", "../../testdata/beijing/PRSA_Data_Dongsi_2015112501-2015120300.csv.gz")
	if err != nil || !strings.Contains(out, "Dongsi,2015-11-25T01:00:00+08:00,2026,114,3,pm25,,,\n") {
		t.Errorf("--csv: %v\n%.300s", err, out)
	}
}

package hj212

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/internal/testflags"
)

var update = testflags.Update

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got %q\nwant %q", name, got, want)
	}
}

func TestEncodeDataAck(t *testing.T) {
	now := time.Date(2026, 1, 15, 2, 30, 1, 250*int(time.Millisecond), time.UTC) // 10:30:01.250 in Beijing
	tests := []struct {
		golden string
		req    string // frame file the ACK answers
	}{
		// 2017 request: Flag=4 in the reply (version 2017, no ACK of the ACK).
		{"ack_2017.golden", "2017_realtime_2011"},
		// 2025 request: the reply keeps the request's version, Flag=8.
		{"ack_2025.golden", "2025_realtime_2011"},
		// 2005 request without QN: the reply gets a QN made from now.
		{"ack_2005_noqn.golden", "2005_realtime_noqn"},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			req, err := Decode(readFrame(t, tt.req), DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ack := EncodeDataAck(req, now)
			golden(t, tt.golden, ack)

			// The ACK is itself a valid frame answering the same QN.
			got, err := Decode(ack, DecodeOptions{})
			if err != nil {
				t.Fatalf("ACK does not decode: %v", err)
			}
			wantQN := req.QN
			if wantQN == "" {
				wantQN = "20260115103001250"
			}
			if got.CN != CNDataAck || got.ST != STSystem || got.QN != wantQN || got.MN != req.MN ||
				got.PW != req.PW || got.WantsAck || got.Version != req.Version || len(got.Values) != 0 {
				t.Errorf("ACK decodes to %+v", got)
			}
		})
	}
}

func TestEncodeGolden(t *testing.T) {
	// What the station simulator sends for one minute of data.
	f := Frame{
		QN: "20260115103100456", ST: STAmbientAir, CN: CNMinute, PW: "123456", MN: testMN,
		Version: Version2017, WantsAck: true, DataTime: bj(2026, 1, 15, 10, 30, 0),
		Values: map[string]Value{
			"a34004": {Min: num(30.1), Avg: num(33.4), Max: num(36.9), Flag: "N"},
			"a21005": {Min: num(0.5), Avg: num(0.61), Max: num(0.7), Flag: "C"},
		},
	}
	golden(t, "encode_minute.golden", Encode(f))
}

func TestEncodeRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		f    Frame
	}{
		// Real-time 2017 with every numeric suffix and an unknown one.
		{"realtime all suffixes", Frame{
			QN: "20260115103000123", ST: "22", CN: CNRealtime, PW: "p", MN: testMN, Version: 2017, WantsAck: true,
			DataTime: bj(2026, 1, 15, 10, 30, 0),
			Values: map[string]Value{"a34004": {
				Rtd: num(35.2), Avg: num(1), Min: num(-0.5), Max: num(1e-7), Cou: num(123456789.125),
				ZsRtd: num(2), ZsAvg: num(3), ZsMin: num(4), ZsMax: num(5), Flag: "N",
				Other: map[string]string{"SampleTime": "20260115102900", "EFlag": "A01"},
			}},
		}},
		// Hourly 2025 split packet, part 2 of 3, no ACK.
		{"hourly 2025 split", Frame{
			QN: "20260301090002001", ST: "22", CN: CNHourly, PW: "p", MN: "m", Version: 2025, PNUM: 3, PNO: 2,
			DataTime: bj(2026, 3, 1, 8, 0, 0),
			Values:   map[string]Value{"a21026": {Avg: num(9), Flag: "N"}, "a21004": {Avg: num(20), Flag: "D"}},
		}},
		// Daily data with an extra CP field.
		{"daily with extra", Frame{
			QN: "20260116000510000", ST: "22", CN: CNDaily, PW: "p", MN: "m", Version: 2017,
			DataTime: bj(2026, 1, 15, 0, 0, 0), Extra: map[string]string{"PolId": "x"},
			Values: map[string]Value{"a34004": {Avg: num(38), Flag: "N"}},
		}},
		// 2005 frame without QN.
		{"2005 without QN", Frame{
			ST: "22", CN: CNRealtime, PW: "p", MN: "88888880000001", Version: 2005,
			DataTime: bj(2026, 1, 15, 10, 30, 0),
			Values:   map[string]Value{"a34004": {Rtd: num(35)}},
		}},
		// Extreme magnitudes take the exponent form and still read back exactly.
		{"extreme values", Frame{
			QN: "20260115103000123", ST: "22", CN: CNRealtime, PW: "p", MN: "m", Version: 2017,
			DataTime: bj(2026, 1, 15, 10, 30, 0),
			Values:   map[string]Value{"a": {Rtd: num(1.5e300), Avg: num(-2.5e-300)}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := Encode(tt.f)
			got, err := Decode(raw, DecodeOptions{})
			if err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			want := tt.f
			want.Flag = got.Flag // derived by Encode; checked below
			if d := frameDiff(got, want); d != "" {
				t.Errorf("%s\n%s", raw, d)
			}
			wantFlag := versionBits(tt.f.Version) << 2
			if tt.f.WantsAck {
				wantFlag |= 1
			}
			if tt.f.PNUM > 0 {
				wantFlag |= 2
			}
			if got.Flag != wantFlag {
				t.Errorf("Flag %d, want %d", got.Flag, wantFlag)
			}
		})
	}
}

func TestQN(t *testing.T) {
	// Milliseconds are kept, and the id is in Beijing time whatever the zone of t.
	got := QN(time.Date(2026, 12, 31, 16, 0, 0, 7*int(time.Millisecond)+999, time.UTC))
	if got != "20270101000000007" {
		t.Errorf("QN = %s", got)
	}
}

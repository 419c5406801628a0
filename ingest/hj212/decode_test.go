package hj212

import (
	"bytes"
	"testing"
	"time"
)

const testMN = "010000A8900016F000169DC0"

func bj(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, Beijing())
}

func TestDecodeFrames(t *testing.T) {
	tests := []struct {
		file string
		opt  DecodeOptions
		want Frame
	}{
		{
			// Real-time upload, 2017, ACK requested (Flag=5); O3 under maintenance keeps its M flag.
			file: "2017_realtime_2011",
			want: Frame{
				QN: "20260115103000123", ST: "22", CN: "2011", PW: "123456", MN: testMN,
				Flag: 5, Version: 2017, WantsAck: true, DataTime: bj(2026, 1, 15, 10, 30, 0),
				Values: map[string]Value{
					"a34004": {Rtd: num(35.2), Flag: "N"},
					"a34002": {Rtd: num(58), Flag: "N"},
					"a21026": {Rtd: num(7), Flag: "N"},
					"a21004": {Rtd: num(31), Flag: "N"},
					"a21005": {Rtd: num(0.62), Flag: "N"},
					"a05024": {Rtd: num(88), Flag: "M"},
					"a01001": {Rtd: num(-3.5), Flag: "N"},
				},
				CRCKind: CRCHJ212,
			},
		},
		{
			// Minute data, 2017, no ACK requested (Flag=4); CO flagged as calibration.
			file: "2017_minute_2051",
			want: Frame{
				QN: "20260115103100456", ST: "22", CN: "2051", PW: "123456", MN: testMN,
				Flag: 4, Version: 2017, DataTime: bj(2026, 1, 15, 10, 30, 0),
				Values: map[string]Value{
					"a34004": {Min: num(30.1), Avg: num(33.4), Max: num(36.9), Flag: "N"},
					"a21005": {Min: num(0.5), Avg: num(0.61), Max: num(0.7), Flag: "C"},
				},
				CRCKind: CRCHJ212,
			},
		},
		{
			// Hourly data with an unknown pollutant code, which is kept for ingest to ignore.
			file: "2017_hourly_2061",
			want: Frame{
				QN: "20260115110005000", ST: "22", CN: "2061", PW: "123456", MN: testMN,
				Flag: 5, Version: 2017, WantsAck: true, DataTime: bj(2026, 1, 15, 10, 0, 0),
				Values: map[string]Value{
					"a34004": {Avg: num(41), Flag: "N"},
					"a34002": {Avg: num(77), Flag: "N"},
					"a99999": {Avg: num(1.5), Flag: "N"},
				},
				CRCKind: CRCHJ212,
			},
		},
		{
			// Daily data: DataTime is the start of the Beijing day.
			file: "2017_daily_2031",
			want: Frame{
				QN: "20260116000510000", ST: "22", CN: "2031", PW: "123456", MN: testMN,
				Flag: 5, Version: 2017, WantsAck: true, DataTime: bj(2026, 1, 15, 0, 0, 0),
				Values: map[string]Value{
					"a34004": {Min: num(12), Avg: num(38), Max: num(71), Flag: "N"},
					"a01007": {Avg: num(2.4), Flag: "N"},
				},
				CRCKind: CRCHJ212,
			},
		},
		{
			// HJ 212—2025 real-time: version bits 2, ACK bit set (Flag=9).
			file: "2025_realtime_2011",
			want: Frame{
				QN: "20260301080000001", ST: "22", CN: "2011", PW: "654321", MN: "020000B8900016F000169DC1",
				Flag: 9, Version: 2025, WantsAck: true, DataTime: bj(2026, 3, 1, 8, 0, 0),
				Values: map[string]Value{
					"a34004": {Rtd: num(60), Flag: "N"},
					"a05024": {Rtd: num(120), Flag: "T"},
				},
				CRCKind: CRCHJ212,
			},
		},
		{
			// HJ 212—2025 hourly without ACK (Flag=8).
			file: "2025_hourly_2061",
			want: Frame{
				QN: "20260301090002000", ST: "22", CN: "2061", PW: "654321", MN: "020000B8900016F000169DC1",
				Flag: 8, Version: 2025, DataTime: bj(2026, 3, 1, 8, 0, 0),
				Values: map[string]Value{
					"a34004": {Min: num(55), Avg: num(58), Max: num(63), Flag: "N"},
				},
				CRCKind: CRCHJ212,
			},
		},
		{
			// First of two split packets (Flag=11: 2025, split, ACK): decoded on its own.
			file: "2025_split_2061",
			want: Frame{
				QN: "20260301090002001", ST: "22", CN: "2061", PW: "654321", MN: "020000B8900016F000169DC1",
				Flag: 11, PNUM: 2, PNO: 1, Version: 2025, WantsAck: true, DataTime: bj(2026, 3, 1, 8, 0, 0),
				Values: map[string]Value{
					"a21026": {Avg: num(9), Flag: "N"},
				},
				CRCKind: CRCHJ212,
			},
		},
		{
			// 2005 logger: no QN, no Flag, 14-character MN.
			file: "2005_realtime_noqn",
			want: Frame{
				ST: "22", CN: "2011", PW: "123456", MN: "88888880000001",
				Version: 2005, DataTime: bj(2026, 1, 15, 10, 30, 0),
				Values:  map[string]Value{"a34004": {Rtd: num(35), Flag: "N"}},
				CRCKind: CRCHJ212,
			},
		},
		{
			// MODBUS CRC accepted because this station is configured for it.
			file: "2017_realtime_modbus",
			opt:  DecodeOptions{AllowModbusCRC: func(mn string) bool { return mn == "88888880000002" }},
			want: Frame{
				QN: "20260115103000999", ST: "22", CN: "2011", PW: "123456", MN: "88888880000002",
				Flag: 5, Version: 2017, WantsAck: true, DataTime: bj(2026, 1, 15, 10, 30, 0),
				Values:  map[string]Value{"a34004": {Rtd: num(35), Flag: "N"}},
				CRCKind: CRCModbus,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Decode(readFrame(t, tt.file), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if d := frameDiff(got, tt.want); d != "" {
				t.Error(d)
			}
			if got.CRCKind != tt.want.CRCKind {
				t.Errorf("CRCKind %v, want %v", got.CRCKind, tt.want.CRCKind)
			}
		})
	}
}

func TestDecodeLenient(t *testing.T) {
	// a34004-Rtd=37 gives CRC 4C80, which has a letter to lower.
	seg := "QN=20260115103000123;ST=22;CN=2011;PW=123456;MN=" + testMN + ";Flag=4;CP=&&DataTime=20260115103000;a34004-Rtd=37&&"
	full := wrap(seg)
	crcAt := len(full) - len("XXXX\r\n")
	lowerCRC := append(bytes.Clone(full[:crcAt]), bytes.ToLower(full[crcAt:])...)
	if bytes.Equal(lowerCRC, full) {
		t.Fatalf("CRC of %q has no hex letters", seg)
	}
	tests := []struct {
		name  string
		frame []byte
	}{
		// MQTT gateways often forward the frame without its line end.
		{"no CRLF", bytes.TrimSuffix(full, []byte("\r\n"))},
		// Lower-case hex CRC carries the same check value.
		{"lower-case CRC", lowerCRC},
		// Header fields in another order, an unknown vendor field and an empty item.
		{"reordered header", wrap("MN=" + testMN + ";ST=22;;Vendor=x;CN=2011;QN=20260115103000123;PW=123456;Flag=4;CP=&&DataTime=20260115103000;a34004-Rtd=37&&")},
		// ';' and ',' mixed up, and a trailing separator.
		{"separators mixed", wrap("QN=20260115103000123;ST=22;CN=2011;PW=123456;MN=" + testMN + ";Flag=4;CP=&&DataTime=20260115103000,a34004-Rtd=37;&&")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Decode(tt.frame, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if v := f.Values["a34004"]; v.Rtd == nil || *v.Rtd != 37 || f.MN != testMN {
				t.Errorf("decoded %+v", f)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	// hdr is a valid 2017 header up to CP; ok is a valid CP content.
	const hdr = "QN=20260115103000123;ST=22;CN=2011;PW=123456;MN=" + testMN + ";Flag=5;"
	const ok = "DataTime=20260115103000;a34004-Rtd=35,a34004-Flag=N"
	good := wrap(hdr + "CP=&&" + ok + "&&")
	flipCRC := bytes.Clone(good)
	flipCRC[len(flipCRC)-3] = otherHexDigit(flipCRC[len(flipCRC)-3]) // still hex: a corrupted frame, not a garbled one
	tests := []struct {
		name   string
		frame  []byte
		opt    DecodeOptions
		reason string
	}{
		// Frame structure.
		{"empty input", nil, DecodeOptions{}, ReasonFrameMalformed},
		{"no ## header", []byte("$$0101" + specSegment + "1C80\r\n"), DecodeOptions{}, ReasonFrameMalformed},
		{"length not digits", []byte("##01A1" + specSegment + "1C80\r\n"), DecodeOptions{}, ReasonFrameMalformed},
		{"CRC not hex", []byte("##0101" + specSegment + "1CG0\r\n"), DecodeOptions{}, ReasonFrameMalformed},
		{"no CP field", wrap(hdr), DecodeOptions{}, ReasonFrameMalformed},
		{"CP not closed", wrap(hdr + "CP=&&" + ok), DecodeOptions{}, ReasonFrameMalformed},
		{"header item without =", wrap("QN;" + hdr + "CP=&&" + ok + "&&"), DecodeOptions{}, ReasonFrameMalformed},
		{"CP item without =", wrap(hdr + "CP=&&" + ok + ";a34002-Rtd&&"), DecodeOptions{}, ReasonFrameMalformed},

		// Length: declared one byte short, one byte long, and a frame cut in the middle.
		{"declared too short", []byte("##0100" + specSegment + "1C80\r\n"), DecodeOptions{}, ReasonBadLength},
		{"declared too long", []byte("##0102" + specSegment + "1C80\r\n"), DecodeOptions{}, ReasonBadLength},
		{"truncated", good[:40], DecodeOptions{}, ReasonBadLength},
		{"two frames glued", append(bytes.Clone(good), good...), DecodeOptions{}, ReasonBadLength},

		// CRC.
		{"CRC off by one bit", flipCRC, DecodeOptions{}, ReasonBadCRC},
		// A MODBUS CRC is refused unless the station is configured for it.
		{"modbus not allowed", wrapModbus(hdr + "CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadCRC},
		{"modbus other station", wrapModbus(hdr + "CP=&&" + ok + "&&"), DecodeOptions{AllowModbusCRC: func(mn string) bool { return mn == "other" }}, ReasonBadCRC},

		// System and command.
		{"pollution source ST=31", wrap("QN=20260115103000123;ST=31;CN=2011;PW=1;MN=m;Flag=5;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonUnsupportedSystem},
		// AllowSystem lets ST=31 in from the devices it names, and only those.
		{"ST=31 from another device", wrap("QN=20260115103000123;ST=31;CN=2011;PW=1;MN=m;Flag=5;CP=&&" + ok + "&&"),
			DecodeOptions{AllowSystem: func(st, mn string) bool { return st == "31" && mn == "monitor" }}, ReasonUnsupportedSystem},
		{"spec vector CN=1062", []byte("##0101" + specSegment + "1C80\r\n"), DecodeOptions{}, ReasonUnsupportedCommand},

		// Fields.
		{"QN too short", wrap("QN=2026011510300012;ST=22;CN=2011;PW=1;MN=m;Flag=5;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},
		{"QN missing in 2017", wrap("ST=22;CN=2011;PW=1;MN=m;Flag=5;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},
		{"MN missing", wrap("QN=20260115103000123;ST=22;CN=2011;PW=1;Flag=5;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},
		{"CN missing", wrap("QN=20260115103000123;ST=22;PW=1;MN=m;Flag=5;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},
		{"duplicate MN", wrap(hdr + "MN=x;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},
		{"Flag not a number", wrap("QN=20260115103000123;ST=22;CN=2011;PW=1;MN=m;Flag=x;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},
		{"Flag over 255", wrap("QN=20260115103000123;ST=22;CN=2011;PW=1;MN=m;Flag=256;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},
		// Version bits 3 name no edition this receiver knows.
		{"unknown version", wrap("QN=20260115103000123;ST=22;CN=2011;PW=1;MN=m;Flag=13;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},
		{"split flag without PNUM", wrap("QN=20260115103000123;ST=22;CN=2011;PW=1;MN=m;Flag=7;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},
		{"PNO beyond PNUM", wrap("QN=20260115103000123;ST=22;CN=2011;PW=1;MN=m;Flag=7;PNUM=2;PNO=3;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},
		{"PNUM without split flag", wrap("QN=20260115103000123;ST=22;CN=2011;PW=1;MN=m;Flag=5;PNUM=2;PNO=1;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},
		{"value not a number", wrap(hdr + "CP=&&DataTime=20260115103000;a34004-Rtd=abc&&"), DecodeOptions{}, ReasonBadField},
		// ParseFloat would take these; a logger never means them.
		{"value NaN", wrap(hdr + "CP=&&DataTime=20260115103000;a34004-Rtd=NaN&&"), DecodeOptions{}, ReasonBadField},
		{"value hex float", wrap(hdr + "CP=&&DataTime=20260115103000;a34004-Rtd=0x1p3&&"), DecodeOptions{}, ReasonBadField},
		{"value out of float range", wrap(hdr + "CP=&&DataTime=20260115103000;a34004-Rtd=1e999&&"), DecodeOptions{}, ReasonBadField},
		{"duplicate suffix", wrap(hdr + "CP=&&DataTime=20260115103000;a34004-Rtd=1,a34004-Rtd=2&&"), DecodeOptions{}, ReasonBadField},
		{"empty data flag", wrap(hdr + "CP=&&DataTime=20260115103000;a34004-Rtd=1,a34004-Flag=&&"), DecodeOptions{}, ReasonBadField},
		{"no pollutant code", wrap(hdr + "CP=&&DataTime=20260115103000;-Rtd=1&&"), DecodeOptions{}, ReasonBadField},
		{"non-printable MN", wrap("QN=20260115103000123;ST=22;CN=2011;PW=1;MN=m\x00;Flag=5;CP=&&" + ok + "&&"), DecodeOptions{}, ReasonBadField},

		// Time.
		{"DataTime missing", wrap(hdr + "CP=&&a34004-Rtd=35&&"), DecodeOptions{}, ReasonBadTime},
		{"DataTime month 13", wrap(hdr + "CP=&&DataTime=20261315103000;a34004-Rtd=35&&"), DecodeOptions{}, ReasonBadTime},
		{"DataTime 30 February", wrap(hdr + "CP=&&DataTime=20260230103000;a34004-Rtd=35&&"), DecodeOptions{}, ReasonBadTime},
		{"DataTime too short", wrap(hdr + "CP=&&DataTime=202601151030;a34004-Rtd=35&&"), DecodeOptions{}, ReasonBadTime},
		// A logger whose clock was reset reports 1970.
		{"DataTime reset clock", wrap(hdr + "CP=&&DataTime=19700101080000;a34004-Rtd=35&&"), DecodeOptions{}, ReasonBadTime},
		{"DataTime twice", wrap(hdr + "CP=&&DataTime=20260115103000;DataTime=20260115103000;a34004-Rtd=35&&"), DecodeOptions{}, ReasonBadTime},
	}
	if _, err := Decode(good, DecodeOptions{}); err != nil {
		t.Fatalf("baseline frame: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.frame, tt.opt)
			if got := Reason(err); got != tt.reason {
				t.Errorf("reason %q (%v), want %q", got, err, tt.reason)
			}
			if e, ok := err.(*Error); ok && e.Msg == "" {
				t.Error("error without a message")
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	frame := readFrame(b, "2017_realtime_2011")
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := Decode(frame, DecodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// A listed emission monitor's ST=31 data decode when AllowSystem names it.
func TestDecodeAllowSystem(t *testing.T) {
	f := wrap("QN=20260115103000123;ST=31;CN=2061;PW=1;MN=monitor;Flag=5;CP=&&DataTime=20260115100000;a21026-Avg=35,a21026-Cou=0.9&&")
	got, err := Decode(f, DecodeOptions{AllowSystem: func(st, mn string) bool { return st == STAirSource && mn == "monitor" }})
	if err != nil || got.ST != "31" || got.Values["a21026"].Cou == nil || *got.Values["a21026"].Cou != 0.9 {
		t.Fatalf("%+v %v", got, err)
	}
}

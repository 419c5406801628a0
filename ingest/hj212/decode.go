package hj212

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

const (
	headerLen  = 6 // "##" and four length digits
	crcLen     = 4 // four hex digits
	qnLen      = 17
	dataTimeFm = "20060102150405"

	// MaxDataLen is the longest data segment a four-digit length can announce.
	MaxDataLen = 9999
	// MaxFrameLen is the longest complete frame, CRLF included.
	MaxFrameLen = headerLen + MaxDataLen + crcLen + 2
)

// DecodeOptions tunes Decode per deployment.
type DecodeOptions struct {
	// AllowModbusCRC reports whether the station with this MN is configured
	// to send CRC-16/MODBUS instead of the HJ 212 CRC. nil: no station is.
	// It is a function rather than a bool so the choice stays per station.
	AllowModbusCRC func(mn string) bool
	// AllowSystem reports whether data uploads of system st from the
	// device mn are taken, for st other than 22 (ambient air quality,
	// always taken): e.g. 31 (air pollution source) from the online
	// emission monitors the deployment knows. nil: none are.
	AllowSystem func(st, mn string) bool
}

// Decode parses one frame: "##", the four-digit length, the data segment,
// the CRC and, optionally, "\r\n" (MQTT gateways often strip it). It checks
// length, CRC, the header fields and the CP items, and returns an *Error
// with one of the Reason constants when any is wrong. It never panics.
//
// Accepted commands are the data uploads (2011, 2051, 2061, 2031), which
// must carry ST=22 (or a system opt.AllowSystem allows) and a DataTime, and
// the replies 9011–9014. Header fields
// it does not know are ignored; unknown CP fields and suffixes are kept in
// Frame.Extra and Value.Other.
func Decode(frame []byte, opt DecodeOptions) (Frame, error) {
	if len(frame) < headerLen || frame[0] != '#' || frame[1] != '#' {
		return Frame{}, errorf(ReasonFrameMalformed, "frame does not start with ##dddd")
	}
	n, ok := parseDigits(frame[2:headerLen], 4)
	if !ok {
		return Frame{}, errorf(ReasonFrameMalformed, fmt.Sprintf("length %q is not four digits", frame[2:headerLen]))
	}
	body := bytes.TrimSuffix(frame[headerLen:], []byte("\r\n"))
	if len(body) != n+crcLen {
		return Frame{}, errorf(ReasonBadLength, fmt.Sprintf("declared data length %d, received %d bytes of data and CRC", n, len(body)))
	}
	seg, crcText := body[:n], body[n:]
	sent, ok := parseHex4(crcText)
	if !ok {
		return Frame{}, errorf(ReasonFrameMalformed, fmt.Sprintf("CRC %q is not four hex digits", crcText))
	}
	kind := CRCUnknown
	switch want := CRC(seg); {
	case sent == want:
		kind = CRCHJ212
	case opt.AllowModbusCRC != nil && sent == ModbusCRC(seg) && opt.AllowModbusCRC(headerField(seg, "MN")):
		kind = CRCModbus
	default:
		return Frame{}, errorf(ReasonBadCRC, fmt.Sprintf("CRC %04X does not match the data segment (HJ 212 CRC %04X)", sent, want))
	}
	f, err := parseSegment(string(seg), opt)
	if err != nil {
		return Frame{}, err
	}
	f.CRCKind = kind
	return f, nil
}

// header field keys, as bits so duplicates are cheap to spot.
var headerKeys = map[string]int{"QN": 1, "ST": 2, "CN": 4, "PW": 8, "MN": 16, "Flag": 32, "PNUM": 64, "PNO": 128}

func parseSegment(s string, opt DecodeOptions) (Frame, error) {
	var cp int
	if strings.HasPrefix(s, "CP=&&") {
		cp = 0
	} else if i := strings.Index(s, ";CP=&&"); i >= 0 {
		cp = i + 1
	} else {
		return Frame{}, errorf(ReasonFrameMalformed, "data segment has no CP=&&…&& field")
	}
	if len(s) < cp+len("CP=&&&&") || !strings.HasSuffix(s, "&&") {
		return Frame{}, errorf(ReasonFrameMalformed, "CP field does not end the data segment with &&")
	}
	head, content := s[:cp], s[cp+len("CP=&&"):len(s)-len("&&")]

	var f Frame
	raw := map[string]string{}
	seen := 0
	for item := range strings.SplitSeq(head, ";") {
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok || k == "" {
			return Frame{}, errorf(ReasonFrameMalformed, fmt.Sprintf("header item %q is not key=value", item))
		}
		bit, known := headerKeys[k]
		if !known {
			continue // vendor additions; nothing downstream needs them
		}
		if seen&bit != 0 {
			return Frame{}, errorf(ReasonBadField, "duplicate "+k)
		}
		seen |= bit
		raw[k] = v
	}
	f.QN, f.ST, f.CN, f.PW, f.MN = raw["QN"], raw["ST"], raw["CN"], raw["PW"], raw["MN"]

	if err := checkHeader(&f, raw, opt); err != nil {
		return Frame{}, err
	}
	if err := parseCP(&f, content); err != nil {
		return Frame{}, err
	}
	if IsData(f.CN) && f.DataTime.IsZero() {
		return Frame{}, errorf(ReasonBadTime, "DataTime missing from a data upload")
	}
	return f, nil
}

func checkHeader(f *Frame, raw map[string]string, opt DecodeOptions) error {
	for _, k := range []string{"ST", "CN", "MN"} {
		if raw[k] == "" {
			return errorf(ReasonBadField, k+" missing")
		}
	}
	for _, k := range []string{"ST", "CN", "MN", "PW"} {
		if !printable(raw[k]) {
			return errorf(ReasonBadField, fmt.Sprintf("%s %q has non-printable characters", k, raw[k]))
		}
	}
	switch {
	case IsData(f.CN):
		if f.ST != STAmbientAir && (opt.AllowSystem == nil || !opt.AllowSystem(f.ST, f.MN)) {
			return errorf(ReasonUnsupportedSystem, fmt.Sprintf("ST=%s is not ambient air quality (22)", f.ST))
		}
	case isReply(f.CN):
	default:
		return errorf(ReasonUnsupportedCommand, fmt.Sprintf("CN=%s", f.CN))
	}

	if v, ok := raw["Flag"]; ok {
		flag, ok := parseDigits([]byte(v), 3)
		if !ok || flag > 255 {
			return errorf(ReasonBadField, fmt.Sprintf("Flag %q is not a number 0..255", v))
		}
		f.Flag = flag
	}
	version, ok := versionFromBits(f.Flag >> 2)
	if !ok {
		return errorf(ReasonBadField, fmt.Sprintf("Flag %d announces an unknown protocol version %d", f.Flag, f.Flag>>2))
	}
	f.Version = version
	f.WantsAck = f.Flag&flagAck != 0

	if qn, ok := raw["QN"]; ok {
		if _, digits := parseDigits([]byte(qn), qnLen); !digits || len(qn) != qnLen {
			return errorf(ReasonBadField, fmt.Sprintf("QN %q is not 17 digits", qn))
		}
	} else if f.Version != Version2005 {
		return errorf(ReasonBadField, "QN missing")
	}

	_, hasNum := raw["PNUM"]
	_, hasNo := raw["PNO"]
	if f.Flag&flagSplit == 0 {
		if hasNum || hasNo {
			return errorf(ReasonBadField, "PNUM/PNO present but Flag bit 1 (split packet) is clear")
		}
		return nil
	}
	pnum, ok1 := parseDigits([]byte(raw["PNUM"]), 4)
	pno, ok2 := parseDigits([]byte(raw["PNO"]), 4)
	if !ok1 || !ok2 || pnum < 1 || pno < 1 || pno > pnum {
		return errorf(ReasonBadField, fmt.Sprintf("split packet needs 1 <= PNO <= PNUM, got PNUM=%q PNO=%q", raw["PNUM"], raw["PNO"]))
	}
	f.PNUM, f.PNO = pnum, pno
	return nil
}

// parseCP reads the CP items. Pollutants are separated by ';' and the
// items of one pollutant by ','; loggers are not consistent about which they
// use where, so both are treated as item separators and empty items skipped.
func parseCP(f *Frame, content string) error {
	f.Values = map[string]Value{}
	items := strings.FieldsFunc(content, func(r rune) bool { return r == ';' || r == ',' })
	for _, item := range items {
		k, v, ok := strings.Cut(item, "=")
		if !ok || k == "" {
			return errorf(ReasonFrameMalformed, fmt.Sprintf("CP item %q is not key=value", item))
		}
		code, suffix, pollutant := strings.Cut(k, "-")
		if !pollutant {
			if err := setTopLevel(f, k, v); err != nil {
				return err
			}
			continue
		}
		if code == "" || suffix == "" {
			return errorf(ReasonBadField, fmt.Sprintf("CP item %q has no pollutant code or suffix", item))
		}
		val := f.Values[code]
		if err := setSuffix(&val, suffix, v); err != nil {
			return errorf(ReasonBadField, fmt.Sprintf("%s: %s", k, err.Error()))
		}
		f.Values[code] = val
	}
	return nil
}

func setTopLevel(f *Frame, k, v string) error {
	if k != "DataTime" {
		if _, dup := f.Extra[k]; dup {
			return errorf(ReasonBadField, "duplicate CP field "+k)
		}
		if f.Extra == nil {
			f.Extra = map[string]string{}
		}
		f.Extra[k] = v
		return nil
	}
	if !f.DataTime.IsZero() {
		return errorf(ReasonBadTime, "duplicate DataTime")
	}
	t, err := parseDataTime(v)
	if err != nil {
		return errorf(ReasonBadTime, fmt.Sprintf("DataTime %q: %v", v, err))
	}
	f.DataTime = t
	return nil
}

func setSuffix(val *Value, suffix, v string) error {
	if dst := val.number(suffix); dst != nil {
		if *dst != nil {
			return fmt.Errorf("duplicate")
		}
		x, ok := parseNumber(v)
		if !ok {
			return fmt.Errorf("%q is not a finite decimal number", v)
		}
		*dst = &x
		return nil
	}
	if suffix == "Flag" {
		if val.Flag != "" {
			return fmt.Errorf("duplicate")
		}
		if v == "" || !printable(v) {
			return fmt.Errorf("data flag %q is empty or not printable", v)
		}
		val.Flag = v
		return nil
	}
	if _, dup := val.Other[suffix]; dup {
		return fmt.Errorf("duplicate")
	}
	if val.Other == nil {
		val.Other = map[string]string{}
	}
	val.Other[suffix] = v
	return nil
}

// parseNumber accepts decimal numbers with an optional sign, fraction and
// exponent. strconv.ParseFloat alone would also take "NaN", "Inf" and hex
// floats, none of which a logger means.
func parseNumber(s string) (float64, bool) {
	if s == "" || len(s) > 64 {
		return 0, false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E':
		default:
			return 0, false
		}
	}
	if !digit {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, false
	}
	return x, true
}

func parseDataTime(s string) (time.Time, error) {
	if _, ok := parseDigits([]byte(s), len(dataTimeFm)); !ok || len(s) != len(dataTimeFm) {
		return time.Time{}, fmt.Errorf("want YYYYMMDDhhmmss")
	}
	t, err := time.ParseInLocation(dataTimeFm, s, beijing)
	if err != nil {
		return time.Time{}, err
	}
	// HJ 212 dates from 2005; a year outside this century is a logger whose
	// clock was reset, and the zero time must stay free to mean "absent".
	if t.Year() < 2000 || t.Year() > 2099 {
		return time.Time{}, fmt.Errorf("year %d outside 2000..2099", t.Year())
	}
	return t, nil
}

// parseDigits parses 1..maxLen ASCII digits.
func parseDigits(b []byte, maxLen int) (int, bool) {
	if len(b) == 0 || len(b) > maxLen {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseHex4 parses four hex digits; lower case is tolerated because some
// loggers send it and the check value is the same.
func parseHex4(b []byte) (uint16, bool) {
	if len(b) != 4 {
		return 0, false
	}
	var v uint16
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(d)
	}
	return v, true
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

// headerField finds key=value among the header items before CP, for the
// per-station CRC choice which must be made before the segment is trusted.
func headerField(seg []byte, key string) string {
	for item := range strings.SplitSeq(string(seg), ";") {
		if strings.HasPrefix(item, "CP=") {
			break
		}
		if k, v, ok := strings.Cut(item, "="); ok && k == key {
			return v
		}
	}
	return ""
}

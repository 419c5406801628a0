package hj212

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Encode builds a frame with the HJ 212 CRC and a trailing "\r\n". It is
// meant for tests and the station simulator; it does not validate.
//
// Flag is derived, not copied: version bits from Version (0 counts as
// 2017), bit 1 when PNUM or PNO is set, bit 0 from WantsAck. QN is left out
// when empty (2005 frames), DataTime when zero. Pollutants are written in
// code order, each as Cou, Min, Avg, Max, Rtd, the Zs values, Other
// suffixes in name order and Flag last. A data segment longer than
// MaxDataLen cannot be framed; the result then fails Decode with bad_length.
func Encode(f Frame) []byte {
	var b strings.Builder
	if f.QN != "" {
		field(&b, "QN", f.QN)
	}
	field(&b, "ST", f.ST)
	field(&b, "CN", f.CN)
	field(&b, "PW", f.PW)
	field(&b, "MN", f.MN)
	version := f.Version
	if version == 0 {
		version = Version2017
	}
	flag := versionBits(version) << 2
	if f.WantsAck {
		flag |= flagAck
	}
	split := f.PNUM > 0 || f.PNO > 0
	if split {
		flag |= flagSplit
	}
	field(&b, "Flag", strconv.Itoa(flag))
	if split {
		field(&b, "PNUM", strconv.Itoa(f.PNUM))
		field(&b, "PNO", strconv.Itoa(f.PNO))
	}
	b.WriteString("CP=&&")
	b.WriteString(encodeCP(f))
	b.WriteString("&&")
	return frameSegment(b.String())
}

// EncodeDataAck builds the CN=9014 data ACK for req: same QN, PW and MN,
// ST=91, Flag of the request's version with no ACK requested, CP=&&&&.
// now is used only when the request had no QN (2005 loggers), to give the
// reply a QN of its own.
func EncodeDataAck(req Frame, now time.Time) []byte {
	qn := req.QN
	if qn == "" {
		qn = QN(now)
	}
	version := req.Version
	if version == 0 {
		version = Version2017
	}
	seg := fmt.Sprintf("QN=%s;ST=%s;CN=%s;PW=%s;MN=%s;Flag=%d;CP=&&&&",
		qn, STSystem, CNDataAck, req.PW, req.MN, versionBits(version)<<2)
	return frameSegment(seg)
}

// QN formats t as a request id, YYYYMMDDhhmmsszzz in Beijing time.
func QN(t time.Time) string {
	t = t.In(beijing)
	return t.Format(dataTimeFm) + fmt.Sprintf("%03d", t.Nanosecond()/int(time.Millisecond))
}

// frameSegment wraps a data segment into ##dddd…CRC\r\n.
func frameSegment(seg string) []byte {
	out := make([]byte, 0, len(seg)+headerLen+crcLen+2)
	out = fmt.Appendf(out, "##%04d", len(seg))
	out = append(out, seg...)
	out = fmt.Appendf(out, "%04X\r\n", CRC([]byte(seg)))
	return out
}

func field(b *strings.Builder, k, v string) {
	b.WriteString(k)
	b.WriteByte('=')
	b.WriteString(v)
	b.WriteByte(';')
}

func encodeCP(f Frame) string {
	var items []string
	if !f.DataTime.IsZero() {
		items = append(items, "DataTime="+f.DataTime.In(beijing).Format(dataTimeFm))
	}
	for _, k := range slices.Sorted(maps.Keys(f.Extra)) {
		items = append(items, k+"="+f.Extra[k])
	}
	for _, code := range slices.Sorted(maps.Keys(f.Values)) {
		v := f.Values[code]
		var parts []string
		num := func(suffix string, x *float64) {
			if x != nil {
				parts = append(parts, code+"-"+suffix+"="+formatNumber(*x))
			}
		}
		for _, s := range numberSuffixes {
			num(s, *v.number(s))
		}
		for _, s := range slices.Sorted(maps.Keys(v.Other)) {
			parts = append(parts, code+"-"+s+"="+v.Other[s])
		}
		if v.Flag != "" {
			parts = append(parts, code+"-Flag="+v.Flag)
		}
		if len(parts) > 0 {
			items = append(items, strings.Join(parts, ","))
		}
	}
	return strings.Join(items, ";")
}

// formatNumber writes the shortest decimal that reads back to x, falling
// back to exponent form where plain decimals would run to hundreds of digits.
func formatNumber(x float64) string {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if len(s) > 24 {
		s = strconv.FormatFloat(x, 'E', -1, 64)
	}
	return s
}

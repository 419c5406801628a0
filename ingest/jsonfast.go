package ingest

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// rawReading is a payload's content before any checking. The fast path
// fills it with views into the payload — nothing is copied, nothing
// allocated — and DecodeJSON copies out only what the reading keeps; the
// fallback fills it from what encoding/json decoded.
type rawReading struct {
	station, time, interval []byte
	hasValues               bool        // "values" was an object (not null or missing)
	n                       int         // number of values
	first                   [8]rawValue // the first values: no allocation for the usual six
	rest                    []rawValue
}

func (r *rawReading) add(v rawValue) {
	if r.n < len(r.first) {
		r.first[r.n] = v
	} else {
		r.rest = append(r.rest, v)
	}
	r.n++
}

// at returns value i (0 ≤ i < n).
func (r *rawReading) at(i int) *rawValue {
	if i < len(r.first) {
		return &r.first[i]
	}
	return &r.rest[i-len(r.first)]
}

// rawValue is one member of "values".
type rawValue struct {
	name     []byte
	value    float64
	hasValue bool // false: "value" was null or missing
	unit     []byte
	flag     []byte
}

// fromJSON fills r from encoding/json's result, in name order so that
// which of two bad values is reported does not depend on map order.
func (r *rawReading) fromJSON(in JSONReading) {
	r.station, r.time, r.interval = []byte(in.Station), []byte(in.Time), []byte(in.Interval)
	r.hasValues = in.Values != nil
	names := make([]string, 0, len(in.Values))
	for name := range in.Values {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		v := in.Values[name]
		rv := rawValue{name: []byte(name), unit: []byte(v.Unit), flag: []byte(v.Flag)}
		if v.Value != nil {
			rv.value, rv.hasValue = *v.Value, true
		}
		r.add(rv)
	}
}

// parseJSONFast is the hot path of DecodeJSON: a scanner for the documented
// payload that avoids encoding/json's reflection and allocations, the
// largest costs of ingest at tens of thousands of readings a second. It
// takes only the plain form — the keys spelled exactly, string values
// without escapes, each key once — and reports false for anything else
// (escapes, other keys, other spellings, duplicates, odd types, invalid
// JSON), which DecodeJSON then hands to encoding/json. Whenever it reports
// true, r holds what json.Unmarshal gives (FuzzDecodeJSON checks).
func parseJSONFast(b []byte, r *rawReading) bool {
	p := jsonScanner{b: b}
	var seen [4]bool
	if !p.eat('{') {
		return false
	}
	for more := !p.eat('}'); more; {
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return false
		}
		// k is the key's place in seen; dst is where a string value goes
		// (nil for "values", an object).
		var k int
		var dst *[]byte
		switch string(key) {
		case "station":
			k, dst = 0, &r.station
		case "time":
			k, dst = 1, &r.time
		case "interval":
			k, dst = 2, &r.interval
		case "values":
			k = 3
		default:
			return false
		}
		if seen[k] {
			return false
		}
		seen[k] = true
		if dst != nil {
			if *dst, ok = p.str(); !ok {
				return false
			}
		} else if !p.null() && !p.values(r) {
			return false
		}
		if more, ok = p.next(); !ok {
			return false
		}
	}
	p.ws()
	return p.i == len(p.b)
}

type jsonScanner struct {
	b []byte
	i int
}

func (p *jsonScanner) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonScanner) eat(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// next is what follows an object member: a comma (more members) or the
// closing brace.
func (p *jsonScanner) next() (more, ok bool) {
	if p.eat(',') {
		return true, true
	}
	return false, p.eat('}')
}

// str reads a string without escapes or control characters and returns
// a view of its bytes. encoding/json replaces invalid UTF-8 with U+FFFD;
// such strings are left to it as well.
func (p *jsonScanner) str() ([]byte, bool) {
	if !p.eat('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i:p.i]
			p.i++
			return s, validUTF8(s)
		case c == '\\' || c < 0x20:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

func validUTF8(s []byte) bool {
	for _, c := range s {
		if c >= 0x80 {
			return utf8.Valid(s)
		}
	}
	return true
}

func (p *jsonScanner) null() bool {
	p.ws()
	if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
		p.i += 4
		return true
	}
	return false
}

// values reads {"<name>": {…}, …} into r; a name given twice is left
// to encoding/json (which keeps the last).
func (p *jsonScanner) values(r *rawReading) bool {
	if !p.eat('{') {
		return false
	}
	r.hasValues = true
	for more := !p.eat('}'); more; {
		name, ok := p.str()
		if !ok || !p.eat(':') {
			return false
		}
		for i := range r.n {
			if string(r.at(i).name) == string(name) {
				return false
			}
		}
		v, ok := p.value()
		if !ok {
			return false
		}
		v.name = name
		r.add(v)
		if more, ok = p.next(); !ok {
			return false
		}
	}
	return true
}

// value reads {"value": number|null, "unit": "…", "flag": "…"}.
func (p *jsonScanner) value() (rawValue, bool) {
	var v rawValue
	var seen [3]bool
	if !p.eat('{') {
		return v, false
	}
	for more := !p.eat('}'); more; {
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return v, false
		}
		switch string(key) {
		case "value":
			if seen[0] {
				return v, false
			}
			seen[0] = true
			if !p.null() {
				if v.value, ok = p.number(); !ok {
					return v, false
				}
				v.hasValue = true
			}
		case "unit":
			if seen[1] {
				return v, false
			}
			seen[1] = true
			if v.unit, ok = p.str(); !ok {
				return v, false
			}
		case "flag":
			if seen[2] {
				return v, false
			}
			seen[2] = true
			if v.flag, ok = p.str(); !ok {
				return v, false
			}
		default:
			return v, false
		}
		if more, ok = p.next(); !ok {
			return v, false
		}
	}
	return v, true
}

// number reads a JSON number (RFC 8259 grammar) that fits a float64.
func (p *jsonScanner) number() (float64, bool) {
	p.ws()
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.i < len(p.b) && p.b[p.i] >= '1' && p.b[p.i] <= '9':
		p.digits()
	default:
		return 0, false
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if !p.digits() {
			return 0, false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if !p.digits() {
			return 0, false
		}
	}
	x, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	return x, err == nil // out of range: encoding/json reports an error too
}

func (p *jsonScanner) digits() bool {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

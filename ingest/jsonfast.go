package ingest

import (
	"strconv"
	"unicode/utf8"
)

// parseJSONReading is the hot path of DecodeJSON: a scanner for the
// documented payload that avoids encoding/json's reflection, which was the
// largest cost of ingest at tens of thousands of readings a second. It
// takes only the plain form — the four keys spelled exactly, string values
// without escapes, each key once — and reports ok=false for anything else
// (escapes, other keys, other spellings, duplicates, odd types, invalid
// JSON), which DecodeJSON then hands to encoding/json. Whenever it reports
// ok, the result equals what json.Unmarshal gives (FuzzJSONFastPath checks).
func parseJSONReading(b []byte) (JSONReading, bool) {
	p := jsonScanner{b: b}
	var out JSONReading
	var seen [4]bool
	ok := p.object(func(key string) bool {
		switch key {
		case "station":
			if seen[0] {
				return false
			}
			seen[0] = true
			return p.str(&out.Station)
		case "time":
			if seen[1] {
				return false
			}
			seen[1] = true
			return p.str(&out.Time)
		case "interval":
			if seen[2] {
				return false
			}
			seen[2] = true
			return p.str(&out.Interval)
		case "values":
			if seen[3] {
				return false
			}
			seen[3] = true
			if p.null() {
				return true
			}
			out.Values = map[string]JSONValue{}
			return p.object(func(name string) bool {
				if _, dup := out.Values[name]; dup {
					return false
				}
				v, ok := p.value()
				out.Values[name] = v
				return ok
			})
		}
		return false
	})
	if !ok {
		return JSONReading{}, false
	}
	p.ws()
	return out, p.i == len(p.b)
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

// object reads {"key": <member>, …}, calling member after each colon.
func (p *jsonScanner) object(member func(key string) bool) bool {
	if !p.eat('{') {
		return false
	}
	if p.eat('}') {
		return true
	}
	for {
		var key string
		if !p.str(&key) || !p.eat(':') || !member(key) {
			return false
		}
		if p.eat(',') {
			continue
		}
		return p.eat('}')
	}
}

// str reads a string without escapes or control characters into dst.
// encoding/json replaces invalid UTF-8 with U+FFFD; such strings are left
// to it as well.
func (p *jsonScanner) str(dst *string) bool {
	if !p.eat('"') {
		return false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !validUTF8(s) {
				return false
			}
			*dst = string(s)
			return true
		case c == '\\' || c < 0x20:
			return false
		}
		p.i++
	}
	return false
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

// value reads {"value": number|null, "unit": "…", "flag": "…"}.
func (p *jsonScanner) value() (JSONValue, bool) {
	var v JSONValue
	var seen [3]bool
	ok := p.object(func(key string) bool {
		switch key {
		case "value":
			if seen[0] {
				return false
			}
			seen[0] = true
			if p.null() {
				return true
			}
			x, ok := p.number()
			v.Value = &x
			return ok
		case "unit":
			if seen[1] {
				return false
			}
			seen[1] = true
			return p.str(&v.Unit)
		case "flag":
			if seen[2] {
				return false
			}
			seen[2] = true
			return p.str(&v.Flag)
		}
		return false
	})
	return v, ok
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

package hj212

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// scanAll runs the splitter over r the way Server does.
func scanAll(r io.Reader, maxFrame int) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 16), maxFrame)
	sc.Split(SplitFrames(maxFrame))
	var toks []string
	for sc.Scan() {
		toks = append(toks, sc.Text())
	}
	return toks, sc.Err()
}

func TestSplitFrames(t *testing.T) {
	a := string(wrap("QN=20260115103000123;ST=22;CN=2011;PW=1;MN=m;Flag=5;CP=&&DataTime=20260115103000;a34004-Rtd=35&&"))
	b := string(wrap("QN=20260115103100123;ST=22;CN=2011;PW=1;MN=m;Flag=5;CP=&&DataTime=20260115103100;a34004-Rtd=36&&"))
	// lying declares one byte more than a's data segment carries.
	lying := strings.Replace(a, "##0090", "##0091", 1)
	tests := []struct {
		name     string
		stream   string
		maxFrame int
		want     []string
	}{
		// The plain case.
		{"one frame", a, 0, []string{a}},
		// Two frames in one write.
		{"glued", a + b, 0, []string{a, b}},
		// Noise before, between and after frames comes out as its own tokens.
		{"garbage around", "AT+OK\r\n" + a + "xx" + b + "\r\n", 0, []string{"AT+OK\r\n", a, "xx", b, "\r\n"}},
		// A single '#' is noise, not the start of a frame.
		{"lone hash", "#" + a, 0, []string{"#", a}},
		// A frame cut short by a reconnecting logger ends where the next one starts.
		{"truncated then whole", a[:40] + b, 0, []string{a[:40], b}},
		// A length that lies long: the bad frame ends at its own CRLF, b survives.
		{"length too long", lying + b, 0, []string{lying, b}},
		// A length that lies short: cut at the CRLF, b survives.
		{"length too short", strings.Replace(a, "##0090", "##0089", 1) + b, 0, []string{strings.Replace(a, "##0090", "##0089", 1), b}},
		// A corrupted length announcing 9,999 bytes (audit L3): the bad
		// frame ends at its CRLF once the next header follows, rather than
		// swallowing the frames behind it.
		{"length lies far too long", "##9999QN=corrupted-length\r\n" + a + b, 0, []string{"##9999QN=corrupted-length\r\n", a, b}},
		// … the same for a frame that lies long by less than the next frame.
		{"length lies long into the next frame", strings.Replace(a, "##0090", "##0150", 1) + b + a, 0,
			[]string{strings.Replace(a, "##0090", "##0150", 1), b, a}},
		// Cut short with no CRLF of its own, it takes the frame glued to it, no more.
		{"length lies long, no CRLF", "##9999QN=cut" + a + b, 0, []string{"##9999QN=cut" + a, b}},
		// "##" without four digits is not a header: cut at the next "##".
		{"bad header", "##ab;junk" + a, 0, []string{"##ab;junk", a}},
		// A declared length beyond MaxFrameBytes is refused without waiting for it.
		{"too long for max", "##9000QN=1" + a, 200, []string{"##9000QN=1", a}},
		// The stream ends inside a frame: the rest is handed over for Decode to reject.
		{"cut at EOF", a + b[:20], 0, []string{a, b[:20]}},
		// Noise longer than the buffer is cut into pieces rather than failing the scan.
		{"long noise", strings.Repeat("x", 300) + a, 120, nil},
	}
	for _, tt := range tests {
		for _, mode := range []string{"whole", "byte by byte"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				var r io.Reader = strings.NewReader(tt.stream)
				if mode != "whole" {
					r = iotest.OneByteReader(r)
				}
				max := tt.maxFrame
				if max == 0 {
					max = MaxFrameLen
				}
				got, err := scanAll(r, max)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(got, "") != tt.stream {
					t.Errorf("tokens do not add up to the stream: %q", got)
				}
				if tt.want != nil && !equalStrings(got, tt.want) {
					t.Errorf("tokens\n got %q\nwant %q", got, tt.want)
				}
				if tt.want == nil && got[len(got)-1] != a {
					t.Errorf("last token %q, want the frame", got[len(got)-1])
				}
				for _, tok := range got {
					if len(tok) > max {
						t.Errorf("token of %d bytes exceeds max %d", len(tok), max)
					}
				}
			})
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSplitFramesDecode(t *testing.T) {
	// Every frame file in testdata, glued with noise, comes out decodable.
	var stream bytes.Buffer
	names := []string{"2017_realtime_2011", "2017_minute_2051", "2025_split_2061", "2005_realtime_noqn"}
	for _, n := range names {
		stream.Write(readFrame(t, n))
		stream.WriteString("\x00\xff noise ")
	}
	toks, err := scanAll(iotest.HalfReader(&stream), MaxFrameLen)
	if err != nil {
		t.Fatal(err)
	}
	decoded := 0
	for _, tok := range toks {
		if _, err := Decode([]byte(tok), DecodeOptions{}); err == nil {
			decoded++
		}
	}
	if decoded != len(names) {
		t.Errorf("decoded %d frames, want %d; tokens %q", decoded, len(names), toks)
	}
}

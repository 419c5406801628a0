package hj212

import (
	"bufio"
	"bytes"
)

// minFrameLen is the shortest possible frame: "##0000", a CRC and "\r\n".
const minFrameLen = headerLen + crcLen + 2

// SplitFrames returns a bufio.SplitFunc that cuts a byte stream from a data
// logger into frames, using the four-digit length rather than searching for
// "\r\n", so frames split across reads or glued together come out whole.
//
// Every input byte ends up in exactly one token, in order. A token that
// starts with "##" is a frame candidate for Decode; any other token is a run
// of bytes found between frames (line noise, a modem banner) and should be
// reported as malformed unless it is only whitespace. Noise is held until
// the next "##", a full buffer or the end of the stream, so one burst is one
// token however it trickles in: the tokens do not depend on how the stream
// was cut into reads, unless one reaches maxFrame. After a bad frame the
// splitter resynchronises on the nearest "\r\n" or "##"; a length that
// announces more bytes than the frame has ends at the first "\r\n##"
// (its CRLF and the next header) instead of swallowing the frames behind.
//
// maxFrame bounds the bytes held for one token (MaxFrameLen when <= 0);
// a declared length that would exceed it is treated like a bad header. Give
// the bufio.Scanner a maximum token size of at least maxFrame.
func SplitFrames(maxFrame int) bufio.SplitFunc {
	if maxFrame <= 0 {
		maxFrame = MaxFrameLen
	}
	maxFrame = max(maxFrame, minFrameLen)
	return func(data []byte, atEOF bool) (int, []byte, error) {
		if len(data) == 0 {
			return 0, nil, nil
		}
		// full: no more bytes will come for this token, because the stream
		// ended or the buffer reached maxFrame; the token must be cut now.
		full := atEOF || len(data) >= maxFrame
		start := bytes.Index(data, []byte("##"))
		if start != 0 {
			return garbage(data, start, atEOF, full)
		}
		if len(data) < headerLen {
			if atEOF {
				return len(data), data, nil
			}
			return 0, nil, nil
		}
		n, ok := parseDigits(data[2:headerLen], 4)
		total := headerLen + n + crcLen + 2
		if !ok || total > maxFrame {
			// Not a header we can honour; hand it to Decode up to the next
			// "##" so the bytes are reported and the next frame survives.
			return untilNext(data, 1, -1, atEOF, full)
		}
		// A frame end followed by the next header inside the declared
		// extent means the length lied long (frames carry no CRLF inside):
		// cut after that CRLF rather than wait for bytes that belong to the
		// frames behind, which would be swallowed with it. The search stops
		// short of the declared end, so the outcome does not depend on
		// whether the bytes came at once or one at a time.
		if i := bytes.Index(data[headerLen:min(len(data), total-1)], []byte("\r\n##")); i >= 0 {
			end := headerLen + i + 2
			return end, data[:end], nil
		}
		if len(data) < total {
			if atEOF {
				return len(data), data, nil // truncated by the peer
			}
			return 0, nil, nil
		}
		if data[total-2] == '\r' && data[total-1] == '\n' {
			return total, data[:total], nil
		}
		// The length lied: end the bad frame at its own "\r\n" if one comes
		// before the next "##".
		return untilNext(data, 2, headerLen, atEOF, full)
	}
}

// garbage returns the bytes before a "##" (start > 0). With none in sight
// it waits, so a run of noise is reported once however it trickles in.
func garbage(data []byte, start int, atEOF, full bool) (int, []byte, error) {
	if start > 0 {
		return start, data[:start], nil
	}
	if !full {
		return 0, nil, nil
	}
	return cut(data, atEOF)
}

// untilNext cuts data at the next "##" found from hashFrom, or after the
// next "\r\n" found from crlfFrom (when >= 0), whichever comes first. With
// neither in sight it waits for more unless it must cut now.
func untilNext(data []byte, hashFrom, crlfFrom int, atEOF, full bool) (int, []byte, error) {
	end := -1
	if i := bytes.Index(data[hashFrom:], []byte("##")); i >= 0 {
		end = hashFrom + i
	}
	if crlfFrom >= 0 {
		if i := bytes.Index(data[crlfFrom:], []byte("\r\n")); i >= 0 && (end < 0 || crlfFrom+i+2 < end) {
			end = crlfFrom + i + 2
		}
	}
	if end > 0 {
		return end, data[:end], nil
	}
	if !full {
		return 0, nil, nil
	}
	return cut(data, atEOF)
}

// cut takes everything at the end of the stream, and otherwise keeps back a
// trailing '#' that may be the first half of the next "##".
func cut(data []byte, atEOF bool) (int, []byte, error) {
	end := len(data)
	if !atEOF && data[end-1] == '#' {
		end--
	}
	if end == 0 {
		return 0, nil, nil
	}
	return end, data[:end], nil
}

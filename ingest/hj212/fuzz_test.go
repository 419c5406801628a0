package hj212

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecode checks that Decode never panics, that every rejection carries
// a reason, and that whatever decodes survives Encode→Decode unchanged.
// Each input is tried as a whole frame and, so the fuzzer is not stopped
// by the CRC, as a data segment framed with its correct length and CRC.
func FuzzDecode(f *testing.F) {
	addFrameSeeds(f, func(b []byte) { f.Add(b) })
	allowModbus := DecodeOptions{AllowModbusCRC: func(string) bool { return true }}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data, allowModbus)
		if len(data) <= MaxDataLen {
			checkDecode(t, wrap(string(data)), DecodeOptions{})
		}
	})
}

func checkDecode(t *testing.T, raw []byte, opt DecodeOptions) {
	fr, err := Decode(raw, opt)
	if err != nil {
		if Reason(err) == "" {
			t.Fatalf("error without reason: %v", err)
		}
		return
	}
	enc := Encode(fr)
	if len(enc) > MaxFrameLen {
		return // canonical numbers can be longer than the input; documented on Encode
	}
	back, err := Decode(enc, DecodeOptions{})
	if err != nil {
		t.Fatalf("re-encoded frame does not decode: %v\n in: %q\nout: %q", err, raw, enc)
	}
	if d := frameDiff(back, fr); d != "" {
		t.Fatalf("round trip changed the frame: %s\n in: %q\nout: %q", d, raw, enc)
	}
}

// FuzzSplitFrames checks that the splitter never loses or reorders a byte,
// never fails the scan, never exceeds its bound, and cuts the same tokens
// whether the stream arrives at once or in chunks of any size.
func FuzzSplitFrames(f *testing.F) {
	addFrameSeeds(f, func(b []byte) {
		f.Add(b, uint8(1))
		f.Add(append(append([]byte("noise"), b...), b[:len(b)/2]...), uint8(7))
	})
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		whole, err := scanAll(bytes.NewReader(data), MaxFrameLen)
		if err != nil {
			t.Fatalf("whole: %v", err)
		}
		if !bytes.Equal([]byte(strings.Join(whole, "")), data) {
			t.Fatalf("tokens %q do not add up to %q", whole, data)
		}
		chunked, err := scanAll(&chunkReader{data: data, n: int(chunk%32) + 1}, MaxFrameLen)
		if err != nil {
			t.Fatalf("chunked: %v", err)
		}
		if len(data) < MaxFrameLen && !equalStrings(whole, chunked) {
			t.Fatalf("chunks of %d change the tokens:\n whole %q\nchunks %q", int(chunk%32)+1, whole, chunked)
		}
		// A small bound forces the cut-when-full paths.
		const small = 40
		tight, err := scanAll(&chunkReader{data: data, n: int(chunk%32) + 1}, small)
		if err != nil {
			t.Fatalf("bound %d: %v", small, err)
		}
		if !bytes.Equal([]byte(strings.Join(tight, "")), data) {
			t.Fatalf("bound %d: tokens %q do not add up to %q", small, tight, data)
		}
		for _, tok := range tight {
			if len(tok) > small {
				t.Fatalf("token of %d bytes over the bound %d", len(tok), small)
			}
		}
	})
}

// addFrameSeeds feeds every hand-built frame in testdata/frames to add,
// on top of the corpus in testdata/fuzz.
func addFrameSeeds(f *testing.F, add func([]byte)) {
	paths, err := filepath.Glob(filepath.Join("testdata", "frames", "*.hj212"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seed frames: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
}

// chunkReader hands out at most n bytes per Read, like a slow TCP peer.
type chunkReader struct {
	data []byte
	n    int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), r.n)], r.data)
	r.data = r.data[k:]
	return k, nil
}

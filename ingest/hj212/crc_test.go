package hj212

import "testing"

// specSegment is the test vector printed in the HJ 212 spec.
const specSegment = "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"

func TestCRC(t *testing.T) {
	tests := []struct {
		name       string
		data       string
		hj, modbus uint16
	}{
		// The spec vector: the two algorithms must disagree exactly as documented.
		{"spec vector", specSegment, 0x1C80, 0x0759},
		// No data leaves the initial register untouched in both algorithms.
		{"empty", "", 0xFFFF, 0xFFFF},
		// CRC-16/MODBUS check value from the CRC catalogue.
		{"modbus catalogue check", "123456789", CRC([]byte("123456789")), 0x4B37},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CRC([]byte(tt.data)); got != tt.hj {
				t.Errorf("CRC = %04X, want %04X", got, tt.hj)
			}
			if got := ModbusCRC([]byte(tt.data)); got != tt.modbus {
				t.Errorf("ModbusCRC = %04X, want %04X", got, tt.modbus)
			}
		})
	}
	if len(specSegment) != 101 {
		t.Errorf("spec segment is %d bytes, the spec frame says 0101", len(specSegment))
	}
}

func BenchmarkCRC(b *testing.B) {
	data := []byte(specSegment)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		CRC(data)
	}
}

// TestCRCTable checks the table-driven CRCs against the bit-by-bit
// algorithms as the spec states them, over every single byte and a few
// longer inputs.
func TestCRCTable(t *testing.T) {
	bitwise := func(data []byte, modbus bool) uint16 {
		reg := uint16(0xFFFF)
		for _, b := range data {
			if modbus {
				reg ^= uint16(b)
			} else {
				reg = (reg >> 8) ^ uint16(b)
			}
			reg = shiftA001(reg)
		}
		return reg
	}
	inputs := [][]byte{[]byte(specSegment), []byte("##"), make([]byte, 300)}
	for i := range 256 {
		inputs = append(inputs, []byte{byte(i)}, []byte{byte(i), 0xFF, byte(255 - i)})
	}
	for _, in := range inputs {
		if got, want := CRC(in), bitwise(in, false); got != want {
			t.Errorf("CRC(%q) = %04X, bitwise %04X", in, got, want)
		}
		if got, want := ModbusCRC(in), bitwise(in, true); got != want {
			t.Errorf("ModbusCRC(%q) = %04X, bitwise %04X", in, got, want)
		}
	}
}

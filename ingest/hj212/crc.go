package hj212

import "fmt"

// CRC computes the HJ 212 checksum of a data segment. It differs from
// CRC-16/MODBUS in that each byte replaces the low byte of the shifted
// register instead of being XORed into it; loggers following the standard
// use this one.
func CRC(data []byte) uint16 {
	reg := uint16(0xFFFF)
	for _, b := range data {
		// (reg>>8)^b never exceeds a byte, so the eight shifts that follow
		// are one table lookup.
		reg = crcTable[(reg>>8)^uint16(b)]
	}
	return reg
}

// ModbusCRC computes CRC-16/MODBUS, which some old loggers send instead of
// the HJ 212 checksum. Accept it only for stations configured for it
// (DecodeOptions.AllowModbusCRC): accepting it everywhere halves the value
// of the check.
func ModbusCRC(data []byte) uint16 {
	reg := uint16(0xFFFF)
	for _, b := range data {
		reg = (reg >> 8) ^ crcTable[(reg^uint16(b))&0xFF]
	}
	return reg
}

// crcTable[i] is i shifted through the 0xA001 polynomial eight times, the
// step both algorithms share.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		t[i] = shiftA001(uint16(i))
	}
	return t
}()

func shiftA001(reg uint16) uint16 {
	for range 8 {
		lsb := reg & 1
		reg >>= 1
		if lsb != 0 {
			reg ^= 0xA001
		}
	}
	return reg
}

// CRCKind says which checksum a decoded frame carried.
type CRCKind int

const (
	// CRCUnknown is the zero value: the frame was not decoded.
	CRCUnknown CRCKind = iota
	// CRCHJ212 is the checksum defined by HJ 212.
	CRCHJ212
	// CRCModbus is CRC-16/MODBUS, accepted only when allowed for the station.
	CRCModbus
)

func (k CRCKind) String() string {
	switch k {
	case CRCHJ212:
		return "hj212"
	case CRCModbus:
		return "modbus"
	case CRCUnknown:
		return "unknown"
	}
	return fmt.Sprintf("CRCKind(%d)", int(k))
}

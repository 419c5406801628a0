// Package hj212 speaks HJ 212, the protocol Chinese automatic monitoring
// stations and their data loggers (数采仪) use to report measurements.
// HJ 212—2017 and HJ 212—2025 share one frame; the version sits in the Flag
// field, which Decode reads. The older 2005 edition (Flag version bits 0,
// often without QN or Flag) is accepted as well because many county stations
// still run such loggers.
//
// A frame is
//
//	##dddd<data segment>XXXX\r\n
//
// with dddd the decimal length of the data segment and XXXX its CRC
// (see CRC; MODBUS CRCs only when a station is configured for them).
//
// The package is an adapter: it turns bytes into Frame values and back and
// runs the TCP listener loggers connect to. It knows nothing of stations,
// passwords or storage; that is the job of the ingest code behind Handler.
//
// Split packets (Flag bit 1, PNUM/PNO) are decoded as individual frames,
// each carrying its PNUM and PNO. Reassembly, like the check of MN and PW
// against the station registry, is left to ingest: only it knows which
// parts it has already stored.
package hj212

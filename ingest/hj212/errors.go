package hj212

import "errors"

// Reasons a frame is rejected. They are stable machine codes: ingest counts
// rejected frames by reason and stores them with it in the dead-letter store,
// so renaming one breaks dashboards.
const (
	// ReasonFrameMalformed: the bytes are not an HJ 212 frame — no "##"
	// header, a length that is not four digits, a CRC that is not four hex
	// digits, a data segment that is not key=value pairs ending in
	// CP=&&…&&, or bytes outside any frame on a TCP stream.
	ReasonFrameMalformed = "frame_malformed"
	// ReasonBadLength: the declared length does not match the data segment
	// actually received (truncated, glued or padded frames).
	ReasonBadLength = "bad_length"
	// ReasonBadCRC: the checksum does not match the data segment (or is a
	// MODBUS CRC from a station not configured for it).
	ReasonBadCRC = "bad_crc"
	// ReasonUnsupportedSystem: a data upload (CN 2011/2051/2061/2031) whose
	// ST is not 22 (ambient air quality), e.g. a pollution-source logger
	// pointed at the wrong server.
	ReasonUnsupportedSystem = "unsupported_system"
	// ReasonUnsupportedCommand: a CN this receiver does not handle
	// (everything but data uploads and the 9011–9014 replies).
	ReasonUnsupportedCommand = "unsupported_command"
	// ReasonBadField: the frame is well formed but a field is wrong: QN not
	// 17 digits, Flag out of range or of an unknown protocol version,
	// PNUM/PNO missing or inconsistent with Flag, MN or CN missing, a
	// duplicated field, a measurement that is not a finite decimal number.
	ReasonBadField = "bad_field"
	// ReasonBadTime: DataTime is missing from a data upload or is not a
	// valid YYYYMMDDhhmmss time.
	ReasonBadTime = "bad_time"
)

// Error is the one error type Decode returns: a machine reason (one of the
// Reason constants) and a message for humans that names the offending part.
type Error struct {
	Reason string
	Msg    string
}

func (e *Error) Error() string {
	return "hj212: " + e.Reason + ": " + e.Msg
}

// Reason returns the machine reason of err when it is (or wraps) an *Error,
// and "" otherwise.
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func errorf(reason, msg string) *Error {
	return &Error{Reason: reason, Msg: msg}
}

// Errors a Handler wraps in what HandleFrame returns, to tell the server
// what the frame proved about its sender. Any other error means the sender
// was authenticated but the frame not made durable.
var (
	// ErrUnauthenticated: the frame does not prove who sent it (its MN is
	// unknown or its PW wrong). It gets no ACK, like every other failure,
	// and does not count as the connection's first frame.
	ErrUnauthenticated = errors.New("hj212: sender not authenticated")
	// ErrBlocked: the sender is locked out after repeated failures. The
	// server closes the connection at once, without an ACK.
	ErrBlocked = errors.New("hj212: sender blocked")
)

package aqwarn

import (
	"errors"
	"fmt"
)

// Error codes. The API maps each code to one HTTP status in a single table;
// everything else maps codes to nothing and just carries them.
const (
	EINVALID      = "invalid"      // the caller sent something we cannot accept
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	ECONFLICT     = "conflict"     // the request clashes with the current state
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // valid credentials, wrong role
	EUNAVAILABLE  = "unavailable"  // a dependency (broker, store) is down
	EINTERNAL     = "internal"     // a bug or an unexpected failure
)

// Error is the one error shape of the service: a machine code, a message a
// person can read, and the operation that failed so a log line reads like a
// trace. Internal details stay in Err and are logged, never shown to users.
type Error struct {
	Code    string
	Message string
	Op      string
	Err     error
	// Reason is a finer code a domain gives (the warning engine's
	// "transition_invalid" under EINVALID): what clients see as the code,
	// while Code alone decides the HTTP status.
	Reason string
}

func (e *Error) Error() string {
	s := e.Message
	if s == "" && e.Err != nil {
		s = e.Err.Error()
	}
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Message != "" && e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorReason is the code a client sees: the first *Error's Reason when it
// has one, else its Code (EINTERNAL for other errors, "" for nil).
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Reason != "" {
		return e.Reason
	}
	return ErrorCode(err)
}

// ErrorMessage returns the human message of err, hiding internal details.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "internal error"
}

package notify

import (
	"errors"
	"net/url"
	"strings"
)

// redactError is err's text with no secret of the channel target in it:
// robot tokens and keys ride in the query of webhook, DingTalk and WeCom
// URLs, and net/http repeats the whole URL in its errors (a *url.Error),
// which then reach the log, the delivery log, the API and the console
// (audit M1). It is applied to every notifier's error in one place, the
// dispatcher, before anything records or logs it.
func redactError(err error, target string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = strings.ReplaceAll(msg, ue.URL, redactURL(ue.URL))
	}
	if target != "" {
		if u, perr := url.Parse(target); perr == nil && (u.RawQuery != "" || u.User != nil) {
			msg = strings.ReplaceAll(msg, target, redactURL(target))
			if u.RawQuery != "" {
				msg = strings.ReplaceAll(msg, u.RawQuery, "…")
				for _, vs := range u.Query() {
					for _, v := range vs {
						if len(v) >= 6 { // a token, not "1" or "json"
							msg = strings.ReplaceAll(msg, v, "…")
						}
					}
				}
			}
			if p, ok := u.User.Password(); ok && p != "" {
				msg = strings.ReplaceAll(msg, p, "…")
			}
		}
	}
	return &redactedError{msg: msg, err: err}
}

// redactURL drops the query and the password of a URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.IndexByte(s, '?'); i >= 0 {
			return s[:i] + "?…"
		}
		return s
	}
	if u.RawQuery != "" {
		u.RawQuery = ""
		return u.Redacted() + "?…"
	}
	return u.Redacted()
}

// redactedError keeps the cause for errors.Is (deadlines) with a safe text.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

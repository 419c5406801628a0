package publish

import (
	"context"
	"crypto/hmac"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/notify"
)

// Verifier answers "is this notice genuine?" for the serial and code a
// listed source's notice carries (GET /api/v1/notices/{serial}). It finds
// the notice from what was sent: the warning's transitions (its CAP
// messages) × the listed sources, and the deliveries of the match.
type Verifier struct {
	CAPs    CAPStore
	Sent    SentLog
	Sources func() []string // the listed sources' ids
	Key     []byte
	// Guesses, when set, limits wrong codes per serial (nil: only the
	// HTTP rate limit bounds guessing); Now is its clock.
	Guesses *Guesses
	Now     func() time.Time
}

// NoticeCheck is what a genuine notice's check shows: enough to compare
// with the paper or message in hand, nothing private (no contact, no
// channel target, no acknowledgement link).
type NoticeCheck struct {
	Serial      string        `json:"serial"`
	Genuine     bool          `json:"genuine"`
	Recipient   string        `json:"recipient"` // the source's name
	Kind        string        `json:"kind"`
	HeadlineZH  string        `json:"headline_zh"`
	HeadlineEN  string        `json:"headline_en"`
	LevelZH     string        `json:"level_zh"`
	LevelEN     string        `json:"level_en"`
	Sent        time.Time     `json:"sent"`
	Start       time.Time     `json:"start,omitzero"`
	ExpectedEnd time.Time     `json:"expected_end,omitzero"`
	Measures    []notify.Task `json:"measures"`
	Superseded  bool          `json:"superseded"` // a later notice of the warning replaced it
}

// errNoSuchNotice is the one answer for an invented serial and a wrong
// code alike, so the endpoint tells a forger nothing.
func errNoSuchNotice(serial string) error {
	return &aqwarn.Error{Code: aqwarn.ENOTFOUND, Reason: "notice_not_genuine",
		Message: "no notice " + serial + " with this verification code was issued: treat the notice as forged and call 12369 / 未查到该编号与验证码的通知，请按伪造通知处理并拨打 12369"}
}

// Verify checks serial and code.
func (v *Verifier) Verify(ctx context.Context, serial, code string) (NoticeCheck, error) {
	id, ok := SerialWarning(serial)
	if !ok {
		return NoticeCheck{}, errNoSuchNotice(serial)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if err := v.Guesses.Allow(serial, now()); err != nil {
		return NoticeCheck{}, err
	}
	if len(code) != 6 || !hmac.Equal([]byte(NoticeCode(v.Key, serial)), []byte(code)) {
		v.Guesses.Wrong(serial, now())
		return NoticeCheck{}, errNoSuchNotice(serial)
	}
	caps, err := v.CAPs.WarningCAPs(ctx, id)
	if err != nil {
		return NoticeCheck{}, err
	}
	for i, rec := range caps {
		for _, unit := range v.Sources() {
			if NoticeSerial(id, rec.Transition, unit) != serial {
				continue
			}
			sent, err := v.Sent.UnitDeliveries(ctx, rec.Transition, unit)
			if err != nil {
				return NoticeCheck{}, err
			}
			for _, d := range sent {
				if d.Recipient.Role != alert.UnitSource || d.Message.Serial != serial {
					continue
				}
				m := d.Message
				return NoticeCheck{Serial: serial, Genuine: true, Recipient: d.Recipient.NameZH, Kind: m.Kind,
					HeadlineZH: m.HeadlineZH, HeadlineEN: m.HeadlineEN, LevelZH: m.LevelZH, LevelEN: m.LevelEN,
					Sent: m.At, Start: m.Start, ExpectedEnd: m.ExpectedEnd, Measures: orEmpty(m.Tasks), Superseded: i < len(caps)-1}, nil
			}
		}
	}
	return NoticeCheck{}, errNoSuchNotice(serial)
}

func orEmpty(ts []notify.Task) []notify.Task {
	if ts == nil {
		return []notify.Task{}
	}
	return ts
}

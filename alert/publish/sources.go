package publish

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/notify"
)

// Sources is the emission-reduction list as publishing needs it (app wires
// package reduction to it): who is told, each one's measures at a level,
// and whom an unanswered notice goes to. The list's sources hear of every
// transition of a warning over their area, each with its own measures, and
// acknowledge like member units (plan 4.4: each unit tells the firms and
// sites under it; the service does it for them, and they see it done).
type Sources interface {
	// Recipients are the listed sources a warning of region reaches, as
	// units with role alert.UnitSource and their own channels.
	Recipients(region string) []alert.Unit
	// Tasks returns each source's measures in force at level (a plan
	// level id) for a warning whose primary pollutant is primary, at now.
	Tasks(level, primary string, now time.Time) map[string][]notify.Task
	// Supervisors are the plan's units that supervise a source: its
	// overdue notice goes to them first, then to the command office.
	Supervisors(source string) []string
}

// sourceTasks adds the listed sources' measures to ev: the measures in
// force after the transition, those it releases, those a pause suspends.
func (p *Publisher) sourceTasks(ev *notify.Event, c Change, region string) {
	primary := ""
	if p.Primary != nil {
		primary = p.Primary(region)
	}
	before := map[string][]notify.Task{}
	if c.From != "" && c.From != "none" {
		before = p.Sources.Tasks(c.From, primary, c.At)
	}
	after := map[string][]notify.Task{}
	lift := c.Kind == string(alert.ActionLift)
	if !lift && c.Kind != string(alert.ActionPause) {
		after = p.Sources.Tasks(c.To, primary, c.At)
	}
	put := func(m *map[string][]notify.Task, id string, ts []notify.Task) {
		if len(ts) == 0 {
			return
		}
		if *m == nil {
			*m = map[string][]notify.Task{}
		}
		(*m)[id] = ts
	}
	due := time.Time{}
	if p.SourceReportWithin > 0 {
		due = later(c.At, c.Start).Add(p.SourceReportWithin)
	}
	for _, u := range p.Sources.Recipients(region) {
		if c.Kind == string(alert.ActionPause) {
			put(&ev.Suspended, u.ID, before[u.ID])
			continue
		}
		ts := slices.Clone(after[u.ID])
		for i := range ts {
			ts[i].Due = due // the execution report
		}
		put(&ev.Tasks, u.ID, ts)
		var released []notify.Task
		for _, t := range before[u.ID] {
			if !slices.ContainsFunc(after[u.ID], func(x notify.Task) bool { return x.ID == t.ID }) {
				released = append(released, t)
			}
		}
		put(&ev.Released, u.ID, released)
	}
	names := map[string]string{}
	for _, u := range p.Plan.Units {
		names[u.ID] = u.NameZH
	}
	ev.Source = func(unit string) notify.SourceNotice {
		serial := NoticeSerial(c.WarningID, c.Key, unit)
		sn := notify.SourceNotice{Serial: serial, Code: NoticeCode(p.NoticeKey, serial)}
		if p.VerifyURL != nil {
			sn.VerifyURL = p.VerifyURL(serial)
		}
		for _, s := range p.Sources.Supervisors(unit) {
			sn.Supervisors = append(sn.Supervisors, names[s])
		}
		return sn
	}
}

// serialCode spells the serial's hash: no 0/O or 1/I to misread on paper.
var serialCode = base32.NewEncoding("ABCDEFGHJKLMNPQRSTUVWXYZ23456789").WithPadding(base32.NoPadding)

// NoticeSerial is the serial of a listed source's notice of a transition:
// "N<warning>-<8 characters>", the same every time it is computed, so a
// re-sent or re-composed notice keeps it. It is not a secret; the
// verification code is what a forger cannot make.
func NoticeSerial(warningID int64, transition, unit string) string {
	h := sha256.Sum256([]byte(transition + "\x00" + unit))
	return "N" + strconv.FormatInt(warningID, 10) + "-" + serialCode.EncodeToString(h[:5])
}

// NoticeCode is the six-digit verification code of a serial under the
// service's notice key (publish.notice_key_env): only the service can
// make it, and GET /api/v1/notices/{serial}?code= checks it.
func NoticeCode(key []byte, serial string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(serial))
	return fmt.Sprintf("%06d", binary.BigEndian.Uint32(mac.Sum(nil))%1_000_000)
}

// SerialWarning is the warning a serial names, for finding its notice.
func SerialWarning(serial string) (int64, bool) {
	rest, ok := strings.CutPrefix(serial, "N")
	if !ok {
		return 0, false
	}
	id, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil && n > 0
}

package notify

import (
	"slices"

	"github.com/aqwarn/aqwarn/alert"
)

// Event is one published transition with what each unit must do after it.
type Event struct {
	// Message is the public message (headline, advice, CAP document); the
	// unit messages are copies with their own tasks.
	Message Message
	// Tasks and Released hold each unit's checklist at the new level and
	// the tasks this transition released (downgrade, lift).
	Tasks    map[string][]Task
	Released map[string][]Task
	// Suspended holds each unit's tasks a pause suspends.
	Suspended map[string][]Task
	// AckURL is formatted with the unit id (e.g. ".../units/%s/ack").
	AckURL func(unit string) string
	// Source gives what a listed source's notice carries beyond its tasks:
	// the serial and verification code of its notice, where to verify it,
	// and the names of its supervising units. Nil when no list is kept.
	Source func(unit string) SourceNotice
}

// SourceNotice is what makes a listed source's notice checkable.
type SourceNotice struct {
	Serial, Code, VerifyURL string
	Supervisors             []string
}

// Route fans a transition out to the public and to the units, one delivery
// per (unit, channel). Every member unit and the office hear of a warning
// transition on MQTT and on their channels; the upstream command gets the
// warning document on its channels; a health notice goes to the public and
// to the units that have tasks under it.
func Route(ev Event, units []alert.Unit) []Delivery {
	m := ev.Message
	out := []Delivery{{
		Key:       DeliveryKey(m.Transition, PublicUnit, publicChannel(m.Region)),
		Recipient: Recipient{Unit: PublicUnit, NameZH: "公众", NameEN: "The public"},
		Channel:   publicChannel(m.Region),
		Message:   m,
	}}
	for _, u := range units {
		um := m
		um.AdviceZH, um.AdviceEN = nil, nil
		um.Tasks, um.Released, um.Suspended = ev.Tasks[u.ID], ev.Released[u.ID], ev.Suspended[u.ID]
		if u.Role != alert.UnitUpstream {
			um.CAP = "" // the document goes upstream; units get their checklist
		}
		if u.Role != alert.UnitUpstream && ev.AckURL != nil && m.Kind != string(alert.ActionLift) {
			um.AckURL = ev.AckURL(u.ID)
		}
		if u.Role == alert.UnitSource && ev.Source != nil {
			sn := ev.Source(u.ID)
			um.Serial, um.VerifyCode, um.VerifyURL, um.Supervisors = sn.Serial, sn.Code, sn.VerifyURL, sn.Supervisors
		}
		if m.Kind == string(alert.ActionHealthNotice) && len(um.Tasks) == 0 {
			continue
		}
		channels := slices.Clone(u.Channels)
		if u.Role != alert.UnitUpstream {
			channels = append([]alert.Channel{UnitChannel(u.ID)}, channels...)
		}
		for _, c := range channels {
			out = append(out, Delivery{
				Key:       DeliveryKey(m.Transition, u.ID, c),
				Recipient: Recipient{Unit: u.ID, NameZH: u.NameZH, NameEN: u.NameEN, Role: u.Role},
				Channel:   c,
				Message:   um,
			})
		}
	}
	return out
}

// publicChannel is the retained public topic of a region (under the prefix).
func publicChannel(region string) alert.Channel {
	return alert.Channel{Kind: ChannelMQTT, Target: "warnings/" + region}
}

// UnitChannel is a unit's retained task topic (under the prefix).
func UnitChannel(unit string) alert.Channel {
	return alert.Channel{Kind: ChannelMQTT, Target: "units/" + unit + "/tasks"}
}

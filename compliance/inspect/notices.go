package inspect

import (
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/notify"
)

// KindInspectionTask and KindInspectionOverdue are the messages that tell
// the inspecting unit of a task and, once it is overdue, the command office.
const (
	KindInspectionTask    = "inspection_task"
	KindInspectionOverdue = "inspection_overdue"
)

// Notices are the deliveries that tell people of open inspections: the
// inspecting unit when the task is made, the plan's command offices when
// it is overdue. Each has a stable key (the delivery log sends a key once,
// so asking again each run sends nothing twice). They go on the units'
// external channels (webhook, robots, e-mail, SMS) only: a unit's MQTT
// topic carries its warning tasks, which an inspection must not replace.
// link is the inspection page (the base URL's /inspect).
func Notices(open []Inspection, units []alert.Unit, link string, now time.Time) []notify.Delivery {
	byID := map[string]alert.Unit{}
	var offices []alert.Unit
	for _, u := range units {
		byID[u.ID] = u
		if u.Role == alert.UnitOffice {
			offices = append(offices, u)
		}
	}
	var out []notify.Delivery
	send := func(key string, u alert.Unit, m notify.Message) {
		for _, c := range u.Channels {
			if c.Kind == notify.ChannelMQTT {
				continue
			}
			out = append(out, notify.Delivery{Key: notify.DeliveryKey(key, u.ID, c), Channel: c, Message: m,
				Recipient: notify.Recipient{Unit: u.ID, NameZH: u.NameZH, NameEN: u.NameEN, Role: u.Role}})
		}
	}
	for _, in := range open {
		if !in.Open() {
			continue
		}
		due := in.Due.In(alert.CST).Format("2006-01-02 15:04")
		key := fmt.Sprintf("inspection-%d", in.ID)
		m := notify.Message{Transition: key, Kind: KindInspectionTask, At: now, Start: in.Created, AckURL: link,
			HeadlineZH: fmt.Sprintf("减排清单执行现场检查任务 #%d：%s（%d 项用电监控发现），请于 %s 前到场核查并在检查页面办结", in.ID, in.NameZH, len(in.Events), due),
			HeadlineEN: fmt.Sprintf("Inspection #%d: %s (%d power-data findings); inspect on site and conclude on the inspection page by %s (China time)", in.ID, orID(in.NameZH, in.Enterprise), len(in.Events), due)}
		if u, ok := byID[in.Unit]; ok {
			send(key, u, m)
		}
		if in.Overdue(now) {
			o := m
			o.Transition, o.Kind = key+"-overdue", KindInspectionOverdue
			o.HeadlineZH = fmt.Sprintf("现场检查任务 #%d（%s，%s 负责）已超过 %s 的办结时限", in.ID, in.NameZH, unitName(byID, in.Unit), due)
			o.HeadlineEN = fmt.Sprintf("Inspection #%d (%s, by %s) is overdue: it was due %s (China time)", in.ID, orID(in.NameZH, in.Enterprise), in.Unit, due)
			for _, u := range offices {
				send(o.Transition, u, o)
			}
		}
	}
	return out
}

func orID(name, id string) string {
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

func unitName(units map[string]alert.Unit, id string) string {
	if u, ok := units[id]; ok && u.NameZH != "" {
		return u.NameZH
	}
	return id
}

package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert"
)

var cst = alert.CST

func clock(t time.Time) string { return t.In(cst).Format("2006-01-02 15:04") }

// Title is a one-line subject in Chinese with the English after it.
func Title(m Message) string {
	return m.HeadlineZH + " / " + m.HeadlineEN
}

// Text renders a delivery as bilingual text; markdown adds headings and
// bold for the robot channels.
func Text(d Delivery, markdown bool) string {
	m := d.Message
	var b strings.Builder
	h := func(s string) {
		if markdown {
			b.WriteString("### " + s + "\n\n")
		} else {
			b.WriteString(s + "\n\n")
		}
	}
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	if m.Overdue != nil {
		h(fmt.Sprintf("【未叫应】%s 未确认收到预警通知", m.Overdue.NameZH))
		line("%s has not acknowledged the notice below (sent %s).\n", orName(m.Overdue), clock(m.At))
	}
	if m.Reminder > 0 {
		line("【第%d次提醒 / reminder %d】请尽快叫应。", m.Reminder, m.Reminder)
	}
	h(m.HeadlineZH)
	if d.Recipient.Unit != PublicUnit {
		line("致：%s", d.Recipient.NameZH)
	}
	line("预警级别：%s %s", m.LevelZH, m.ResponseZH)
	line("区域：%s", m.RegionZH)
	switch {
	case m.Kind == kindPause:
		line("措施暂停，预计%s恢复（%s起暂停）", clock(m.RestartAt), clock(later(m.At, m.Start)))
	case m.Kind == kindLift && !m.Start.IsZero():
		line("解除生效：%s", clock(later(m.At, m.Start)))
	case !m.Start.IsZero():
		line("开始时间：%s", clock(m.Start))
	}
	if !m.ExpectedEnd.IsZero() && m.Kind != kindLift {
		line("预计结束：%s", clock(m.ExpectedEnd))
	}
	line("发布时间：%s", clock(m.At))
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		b.WriteString("\n" + title + "\n")
		for i, s := range items {
			fmt.Fprintf(&b, "%d. %s\n", i+1, s)
		}
	}
	// tasks words a list of tasks in one language: its text, and the due
	// time when there is one.
	tasks := func(ts []Task, text func(Task) string, due string) []string {
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = text(t)
			if !t.Due.IsZero() {
				out[i] += fmt.Sprintf(due, clock(t.Due))
			}
		}
		return out
	}
	zh := func(ts []Task) []string { return tasks(ts, func(t Task) string { return t.TextZH }, "（截止 %s）") }
	en := func(ts []Task) []string { return tasks(ts, func(t Task) string { return t.TextEN }, " (due %s)") }
	list("防护建议与措施：", m.AdviceZH)
	if len(m.Supervisors) > 0 {
		line("监管单位：%s", strings.Join(m.Supervisors, "、"))
	}
	list("本单位任务清单：", zh(m.Tasks))
	list("以下任务解除：", zh(m.Released))
	list("以下任务暂停（恢复时另行通知）：", zh(m.Suspended))
	if m.AckURL != "" {
		line("\n请收到后立即叫应（确认）：%s", m.AckURL)
	}
	if m.Serial != "" {
		line("通知编号：%s　验证码：%s　真伪核验：%s", m.Serial, m.VerifyCode, m.VerifyURL)
	}
	b.WriteString("\n")
	h(m.HeadlineEN)
	line("Level: %s %s", m.LevelEN, m.ResponseEN)
	line("Area: %s", m.RegionEN)
	switch {
	case m.Kind == kindPause:
		line("Measures paused from %s, expected to resume %s (UTC+8)", clock(later(m.At, m.Start)), clock(m.RestartAt))
	case m.Kind == kindLift && !m.Start.IsZero():
		line("Lifted from: %s (UTC+8)", clock(later(m.At, m.Start)))
	case !m.Start.IsZero():
		line("Starts: %s (UTC+8)", clock(m.Start))
	}
	if !m.ExpectedEnd.IsZero() && m.Kind != kindLift {
		line("Expected end: %s (UTC+8)", clock(m.ExpectedEnd))
	}
	list("Advice and measures:", m.AdviceEN)
	list("Your tasks:", en(m.Tasks))
	list("Tasks released:", en(m.Released))
	list("Tasks suspended (you will be told when they resume):", en(m.Suspended))
	if m.AckURL != "" {
		line("\nPlease acknowledge at once: %s", m.AckURL)
	}
	if m.Serial != "" {
		line("Notice %s, verification code %s; check it is genuine at %s", m.Serial, m.VerifyCode, m.VerifyURL)
	}
	line("\nref: %s", d.Key)
	return b.String()
}

// Transition kinds the text tells apart (alert.Kind…).
const (
	kindPause = "pause"
	kindLift  = "lift"
)

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func orName(r *Recipient) string {
	if r.NameEN != "" {
		return r.NameEN
	}
	return r.Unit
}

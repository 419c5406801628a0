// Package cap writes warnings as OASIS CAP 1.2 messages (one info block in
// zh-CN and one in en-US) with GB/T 35965.1 message identifiers, and an Atom
// feed of them. It is pure: the caller passes the plan's level, the region,
// the measures and the times; nothing here reads the clock.
package cap

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert"
)

// Namespace is the CAP 1.2 XML namespace.
const Namespace = "urn:oasis:names:tc:emergency:cap:1.2"

// ContentType is the media type of a CAP message.
const ContentType = "application/cap+xml"

// cst is Beijing time: GB/T 35965 identifiers and every CAP time use it, with
// a numeric offset (the schema rejects "Z").
var cst = alert.CST

const timeLayout = "2006-01-02T15:04:05-07:00"

// Sender is the publishing agency.
type Sender struct {
	ID           string // alert/sender, e.g. "ecology.jianghua.gov.cn"
	NameZH       string // info/senderName
	NameEN       string
	DivisionCode string // GB/T 2260, six digits (the county's)
	AgencyCode   string // three digits
	InternalCode string // three digits, "000" when empty
	Extension    string // two digits, "00" when empty
	Web          string // info/web, optional
}

// Transition kinds a message can carry (alert.Kind*).
const (
	KindIssue     = "issue"
	KindUpgrade   = "upgrade"
	KindDowngrade = "downgrade"
	KindLift      = "lift"
	KindExtend    = "extend" // same level, new expected end (Expires)
	KindPause     = "pause"  // measures suspended until the planned restart (Expires)
	KindResume    = "resume" // measures restarted at Level
)

// Notice is one published change of a region's warning.
type Notice struct {
	Kind   string    // issue | upgrade | downgrade | extend | pause | resume | lift
	Status string    // Actual (default), Exercise or Test
	Sent   time.Time // publication time
	Seq    int       // 0–9, the identifier's last digit (distinguishes messages sent in the same second)
	Region alert.Region
	// Level is the level in force after the change; on lift, the level
	// that was lifted. Its CAP grades (Level.CAP, plan data) give urgency,
	// severity, certainty and responseType.
	Level       alert.LevelSpec
	Onset       time.Time // start of the warning (of the episode)
	Expires     time.Time // expected end; zero when unknown
	Measures    []alert.Measure
	MaxAQI      int // highest AQI forecast during the warning; 0 when unknown
	References  []Reference
	DescZH      string // optional extra description (e.g. the forecast)
	DescEN      string
	ProposalRef string // optional note (e.g. the approval chain), goes to alert/note
}

// Reference names an earlier message (CAP "sender,identifier,sent").
type Reference struct {
	Sender     string
	Identifier string
	Sent       time.Time
}

func (r Reference) String() string {
	return r.Sender + "," + r.Identifier + "," + formatTime(r.Sent)
}

// Alert is a CAP 1.2 alert message.
type Alert struct {
	XMLName    xml.Name `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier string   `xml:"identifier"`
	Sender     string   `xml:"sender"`
	Sent       string   `xml:"sent"`
	Status     string   `xml:"status"`
	MsgType    string   `xml:"msgType"`
	Scope      string   `xml:"scope"`
	Note       string   `xml:"note,omitempty"`
	References string   `xml:"references,omitempty"`
	Infos      []Info   `xml:"info"`
}

// Info is one language block.
type Info struct {
	Language     string      `xml:"language"`
	Category     []string    `xml:"category"`
	Event        string      `xml:"event"`
	ResponseType []string    `xml:"responseType"`
	Urgency      string      `xml:"urgency"`
	Severity     string      `xml:"severity"`
	Certainty    string      `xml:"certainty"`
	EventCode    []NameValue `xml:"eventCode,omitempty"`
	Effective    string      `xml:"effective,omitempty"`
	Onset        string      `xml:"onset,omitempty"`
	Expires      string      `xml:"expires,omitempty"`
	SenderName   string      `xml:"senderName,omitempty"`
	Headline     string      `xml:"headline,omitempty"`
	Description  string      `xml:"description,omitempty"`
	Instruction  string      `xml:"instruction,omitempty"`
	Web          string      `xml:"web,omitempty"`
	Contact      string      `xml:"contact,omitempty"`
	Parameters   []NameValue `xml:"parameter,omitempty"`
	Areas        []Area      `xml:"area"`
}

// NameValue is a CAP valueName/value pair.
type NameValue struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

// Area is the affected area.
type Area struct {
	AreaDesc string      `xml:"areaDesc"`
	Geocodes []NameValue `xml:"geocode,omitempty"`
}

// Identifier returns the GB/T 35965.1 message identifier
// ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N, with the time in Beijing time.
func Identifier(s Sender, sent time.Time, seq int) (string, error) {
	internal, ext := s.InternalCode, s.Extension
	if internal == "" {
		internal = "000"
	}
	if ext == "" {
		ext = "00"
	}
	var bad []string
	for _, f := range []struct {
		name, v string
		n       int
	}{{"division code", s.DivisionCode, 6}, {"agency code", s.AgencyCode, 3},
		{"internal code", internal, 3}, {"extension", ext, 2}} {
		if !digits(f.v, f.n) {
			bad = append(bad, fmt.Sprintf("%s %q must be %d digits", f.name, f.v, f.n))
		}
	}
	if seq < 0 || seq > 9 {
		bad = append(bad, fmt.Sprintf("sequence %d must be 0–9", seq))
	}
	if len(bad) > 0 {
		return "", fmt.Errorf("cap identifier: %s", strings.Join(bad, "; "))
	}
	return s.DivisionCode + s.AgencyCode + internal + ext + "_" + sent.In(cst).Format("20060102150405") +
		"_" + strconv.Itoa(seq), nil
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func formatTime(t time.Time) string { return t.In(cst).Format(timeLayout) }

// grade is CAP urgency, severity, certainty and responseType of a notice:
// the plan's grades of the level (its cap block), except that a lift is
// over whatever the level was (spec/cap.md: Past/Minor/Observed, AllClear).
func grade(n Notice) (c alert.LevelCAP) {
	if n.Kind == KindLift {
		return alert.LevelCAP{Urgency: "Past", Severity: "Minor", Certainty: "Observed", ResponseTypes: []string{"AllClear"}}
	}
	return n.Level.CAP
}

// Build returns the CAP message of a notice.
func Build(s Sender, n Notice) (*Alert, error) {
	id, err := Identifier(s, n.Sent, n.Seq)
	if err != nil {
		return nil, err
	}
	if s.ID == "" || strings.ContainsAny(s.ID, " ,<&") {
		return nil, fmt.Errorf("cap sender %q: required, without spaces, commas, < or &", s.ID)
	}
	msgType := "Update"
	switch n.Kind {
	case KindIssue:
		msgType = "Alert"
	case KindUpgrade, KindDowngrade, KindExtend, KindPause, KindResume:
	case KindLift:
		msgType = "Cancel"
	default:
		return nil, fmt.Errorf("cap: unknown transition kind %q", n.Kind)
	}
	if msgType != "Alert" && len(n.References) == 0 {
		return nil, fmt.Errorf("cap: a %s message must reference the earlier messages", msgType)
	}
	if g := grade(n); g.Urgency == "" || g.Severity == "" || g.Certainty == "" || len(g.ResponseTypes) == 0 {
		return nil, fmt.Errorf("cap: level %q has no CAP grades (the plan's cap block)", n.Level.ID)
	}
	status := n.Status
	if status == "" {
		status = "Actual"
	}
	a := &Alert{Identifier: id, Sender: s.ID, Sent: formatTime(n.Sent), Status: status, MsgType: msgType,
		Scope: "Public", Note: n.ProposalRef}
	refs := make([]string, len(n.References))
	for i, r := range n.References {
		refs[i] = r.String()
	}
	a.References = strings.Join(refs, " ")
	a.Infos = []Info{n.info(s, true), n.info(s, false)}
	return a, nil
}

func (n Notice) info(s Sender, zh bool) Info {
	g := grade(n)
	l := n.Level
	pick := func(zhs, ens string) string {
		if zh {
			return zhs
		}
		return ens
	}
	region := pick(n.Region.NameZH, orElse(n.Region.NameEN, n.Region.NameZH))
	event := pick("重污染天气"+l.NameZH, "Heavy air pollution "+strings.ToLower(l.NameEN))
	var headline string
	switch n.Kind {
	case KindIssue:
		headline = pick(region+"发布"+event+"，启动"+l.ResponseZH, region+": "+event+" issued, "+l.ResponseEN+" starts")
	case KindUpgrade:
		headline = pick(region+"重污染天气预警升级为"+l.NameZH+"，启动"+l.ResponseZH,
			region+": warning upgraded to "+strings.ToLower(l.NameEN)+", "+l.ResponseEN)
	case KindDowngrade:
		headline = pick(region+"重污染天气预警降级为"+l.NameZH+"，调整为"+l.ResponseZH,
			region+": warning downgraded to "+strings.ToLower(l.NameEN)+", "+l.ResponseEN)
	case KindExtend:
		headline = pick(region+"重污染天气"+l.NameZH+"延续至"+humanTime(n.Expires),
			region+": "+strings.ToLower(l.NameEN)+" extended until "+humanTime(n.Expires))
	case KindPause:
		headline = pick(region+"重污染天气"+l.NameZH+"应急措施暂停，预计"+humanTime(n.Expires)+"恢复",
			region+": "+strings.ToLower(l.NameEN)+" measures paused, expected to resume "+humanTime(n.Expires))
	case KindResume:
		headline = pick(region+"重污染天气"+l.NameZH+"恢复，启动"+l.ResponseZH,
			region+": "+strings.ToLower(l.NameEN)+" resumed, "+l.ResponseEN)
	case KindLift:
		event = pick(event+"解除", event+" lifted")
		headline = pick(region+"解除"+"重污染天气"+l.NameZH+"，应急响应终止",
			region+": "+strings.ToLower(l.NameEN)+" lifted, emergency response ends")
	}
	var desc strings.Builder
	if n.Kind == KindLift {
		desc.WriteString(pick("空气质量已改善，预警解除，应急响应自动终止。", "Air quality has improved: the warning is lifted and the emergency response ends."))
	} else {
		desc.WriteString(pick(
			fmt.Sprintf("预警级别：%s；响应级别：%s；区域：%s；启动时间：%s", l.NameZH, l.ResponseZH, region, humanTime(n.Onset)),
			fmt.Sprintf("Warning level: %s; response level: %s; area: %s; from %s", l.NameEN, l.ResponseEN, region, humanTime(n.Onset))))
		if !n.Expires.IsZero() {
			desc.WriteString(pick("；预计结束时间："+humanTime(n.Expires), "; expected to end "+humanTime(n.Expires)))
		}
		if n.MaxAQI > 0 {
			desc.WriteString(pick(fmt.Sprintf("；预计AQI最高%d", n.MaxAQI), fmt.Sprintf("; AQI forecast to reach %d", n.MaxAQI)))
		}
		desc.WriteString(pick("。", "."))
	}
	if extra := pick(n.DescZH, n.DescEN); extra != "" {
		desc.WriteString(pick("", " ") + extra)
	}
	var instr strings.Builder
	if n.Kind != KindLift {
		for i, m := range n.Measures {
			if i > 0 {
				instr.WriteString("\n")
			}
			fmt.Fprintf(&instr, "%d. %s", i+1, pick(m.TextZH, m.TextEN))
		}
	}
	info := Info{
		Language: pick("zh-CN", "en-US"), Category: []string{"Env", "Health"}, Event: event,
		ResponseType: slices.Clone(g.ResponseTypes), Urgency: g.Urgency, Severity: g.Severity, Certainty: g.Certainty,
		EventCode:  []NameValue{{"aqwarn:level", l.ID}},
		Effective:  formatTime(n.Sent),
		SenderName: pick(s.NameZH, orElse(s.NameEN, s.NameZH)), Headline: headline,
		Description: desc.String(), Instruction: instr.String(), Web: s.Web,
		Parameters: []NameValue{{"warningLevel", l.ID}, {"responseLevel", l.Response}},
	}
	if !n.Onset.IsZero() && n.Kind != KindLift {
		info.Onset = formatTime(n.Onset)
	}
	if !n.Expires.IsZero() && n.Kind != KindLift {
		info.Expires = formatTime(n.Expires)
	}
	if n.MaxAQI > 0 {
		info.Parameters = append(info.Parameters, NameValue{"maxAQIForecast", strconv.Itoa(n.MaxAQI)})
	}
	area := Area{AreaDesc: region}
	if n.Region.Code != "" {
		area.Geocodes = []NameValue{{"GB/T 2260", n.Region.Code}}
	}
	info.Areas = []Area{area}
	return info
}

func humanTime(t time.Time) string { return t.In(cst).Format("2006-01-02 15:04") }

func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// XML returns the message as an XML document.
func (a *Alert) XML() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(a); err != nil {
		return nil, fmt.Errorf("cap: encode %s: %w", a.Identifier, err)
	}
	b.WriteString("\n")
	return b.Bytes(), nil
}

// Ref is the reference later messages use to name this one.
func (a *Alert) Ref() Reference {
	t, _ := time.Parse(timeLayout, a.Sent)
	return Reference{Sender: a.Sender, Identifier: a.Identifier, Sent: t}
}

// Parse reads a CAP message written by XML.
func Parse(b []byte) (*Alert, error) {
	var a Alert
	if err := xml.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("cap: %w", err)
	}
	return &a, nil
}

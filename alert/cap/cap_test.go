package cap

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/internal/testflags"
)

var update = testflags.Update

var sender = Sender{ID: "ecology.jianghua.example", NameZH: "江华瑶族自治县重污染天气应急指挥部办公室",
	NameEN: "Jianghua heavy-pollution emergency command office", DivisionCode: "431129", AgencyCode: "011",
	Web: "https://aqwarn.example/warnings"}

func TestIdentifier(t *testing.T) {
	sent := time.Date(2026, 12, 1, 8, 0, 5, 0, time.UTC) // 16:00:05 in Beijing
	tests := []struct {
		name string
		s    Sender
		seq  int
		want string // "" means an error
	}{
		// Defaults fill the internal code and extension; the time is Beijing time.
		{"defaults", sender, 0, "43112901100000_20261201160005_0"},
		// Explicit internal code and extension, sequence 7.
		{"explicit", Sender{DivisionCode: "431129", AgencyCode: "011", InternalCode: "123", Extension: "45"}, 7,
			"43112901112345_20261201160005_7"},
		// A five-digit division code is rejected.
		{"short division", Sender{DivisionCode: "43112", AgencyCode: "011"}, 0, ""},
		// Letters in the agency code are rejected.
		{"agency letters", Sender{DivisionCode: "431129", AgencyCode: "0A1"}, 0, ""},
		// The sequence is one digit.
		{"sequence 10", sender, 10, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Identifier(tc.s, sent, tc.seq)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func plan(t *testing.T) *alert.Plan {
	t.Helper()
	p, err := alert.LoadPlan(filepath.Join("..", "..", "configs", "plans", "jianghua-2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func publicMeasures(p *alert.Plan, l alert.Level) []alert.Measure {
	var out []alert.Measure
	for _, m := range p.MeasuresFor(l) {
		if m.Public {
			out = append(out, m)
		}
	}
	return out
}

// episode is a yellow issue, an upgrade to orange, a downgrade and a lift.
func episode(t *testing.T) []*Alert {
	p := plan(t)
	region, _ := p.Region("jianghua")
	at := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, cst) }
	level := func(id string) alert.LevelSpec {
		l, ok := p.LevelByID(id)
		if !ok {
			t.Fatalf("level %s", id)
		}
		return *p.Spec(l)
	}
	yellow, orange := level("yellow"), level("orange")
	ly, _ := p.LevelByID("yellow")
	lo, _ := p.LevelByID("orange")
	var out []*Alert
	var refs []Reference
	for _, n := range []Notice{
		{Kind: KindIssue, Sent: at(1, 16), Level: yellow, Onset: at(2, 0), Expires: at(4, 0),
			Measures: publicMeasures(p, ly), MaxAQI: 230},
		{Kind: KindUpgrade, Sent: at(2, 16), Level: orange, Onset: at(2, 0), Expires: at(5, 12),
			Measures: publicMeasures(p, lo), MaxAQI: 280},
		{Kind: KindDowngrade, Sent: at(4, 10), Level: yellow, Onset: at(2, 0), Expires: at(5, 12),
			Measures: publicMeasures(p, ly)},
		{Kind: KindLift, Sent: at(5, 16), Level: yellow},
	} {
		n.Region = region
		n.References = refs
		a, err := Build(sender, n)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, a.Ref())
		out = append(out, a)
	}
	return out
}

// TestCAPGolden: the four messages of an episode match their golden files
// and validate against the OASIS CAP 1.2 schema.
func TestCAPGolden(t *testing.T) {
	alerts := episode(t)
	wantTypes := []string{"Alert", "Update", "Update", "Cancel"}
	for i, a := range alerts {
		if a.MsgType != wantTypes[i] {
			t.Errorf("message %d: msgType %s, want %s", i, a.MsgType, wantTypes[i])
		}
		if got := strings.Count(a.References, ","); got != 2*i {
			t.Errorf("message %d: references %q, want %d earlier messages", i, a.References, i)
		}
		b, err := a.XML()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("Z<")) {
			t.Errorf("message %d has a time in Z", i)
		}
		name := []string{"issue", "upgrade", "downgrade", "lift"}[i] + ".cap.xml"
		golden(t, name, b)
		validate(t, filepath.Join("testdata", name))
	}
	if alerts[0].Infos[0].Language != "zh-CN" || alerts[0].Infos[1].Language != "en-US" {
		t.Error("info blocks must be zh-CN then en-US")
	}
}

// TestCAPGoldenChanges: an extension, a pause and a resume are Updates that
// reference the earlier messages, say what changed in their headline, and
// validate against the schema.
func TestCAPGoldenChanges(t *testing.T) {
	earlier := episode(t)[:2] // issue, upgrade to orange
	p := plan(t)
	region, _ := p.Region("jianghua")
	at := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, cst) }
	lo, _ := p.LevelByID("orange")
	orange := *p.Spec(lo)
	refs := []Reference{earlier[0].Ref(), earlier[1].Ref()}
	for _, tc := range []struct {
		n        Notice
		headline string
	}{
		{Notice{Kind: KindExtend, Sent: at(3, 10), Level: orange, Onset: at(2, 0), Expires: at(6, 18),
			Measures: publicMeasures(p, lo)}, "延续至2026-12-06 18:00"},
		{Notice{Kind: KindPause, Sent: at(4, 10), Level: orange, Onset: at(4, 18), Expires: at(6, 0)},
			"应急措施暂停，预计2026-12-06 00:00恢复"},
		{Notice{Kind: KindResume, Sent: at(6, 0), Level: orange, Onset: at(6, 0), Expires: at(8, 0),
			Measures: publicMeasures(p, lo)}, "恢复，启动Ⅱ级应急响应"},
	} {
		t.Run(tc.n.Kind, func(t *testing.T) {
			tc.n.Region = region
			tc.n.References = refs
			a, err := Build(sender, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if a.MsgType != "Update" || !strings.Contains(a.Infos[0].Headline, tc.headline) {
				t.Errorf("%s: msgType %s, headline %q", tc.n.Kind, a.MsgType, a.Infos[0].Headline)
			}
			b, err := a.XML()
			if err != nil {
				t.Fatal(err)
			}
			name := tc.n.Kind + ".cap.xml"
			golden(t, name, b)
			validate(t, filepath.Join("testdata", name))
		})
	}
}

// TestFeedGolden: the Atom feed of the episode, newest first.
func TestFeedGolden(t *testing.T) {
	alerts := episode(t)
	var entries []FeedEntry
	for i := len(alerts) - 1; i >= 0; i-- {
		entries = append(entries, FeedEntry{Alert: alerts[i],
			URL: "https://aqwarn.example/api/v1/warnings/1/cap.xml?id=" + alerts[i].Identifier})
	}
	b, err := Feed(FeedMeta{ID: "tag:aqwarn.example,2026:warnings", Title: "江华县重污染天气预警 / Jianghua heavy-pollution warnings",
		SelfURL: "https://aqwarn.example/api/v1/warnings/feed.atom", Author: sender.NameZH}, entries)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "feed.atom", b)
	if !bytes.Contains(b, []byte("<updated>2026-12-05T16:00:00+08:00</updated>")) {
		t.Error("feed updated is not the newest message's time")
	}
}

// TestGradesFromPlan: urgency, severity, certainty and responseType are the
// level's cap block, whatever its place in the plan; a lift is Past, Minor,
// Observed and AllClear whatever it lifts.
func TestGradesFromPlan(t *testing.T) {
	p := plan(t)
	region, _ := p.Region("jianghua")
	l, _ := p.LevelByID("yellow")
	spec := *p.Spec(l)
	// Grades no rank from the top would give: the block is used as it is.
	spec.CAP = alert.LevelCAP{Urgency: "Future", Severity: "Minor", Certainty: "Possible", ResponseTypes: []string{"Monitor"}}
	a, err := Build(sender, Notice{Kind: KindIssue, Sent: time.Date(2026, 12, 1, 16, 0, 0, 0, cst), Region: region, Level: spec})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range a.Infos {
		if in.Urgency != "Future" || in.Severity != "Minor" || in.Certainty != "Possible" || len(in.ResponseType) != 1 || in.ResponseType[0] != "Monitor" {
			t.Errorf("%s: %s/%s/%s %v, want the level's cap block", in.Language, in.Urgency, in.Severity, in.Certainty, in.ResponseType)
		}
	}
	a, err = Build(sender, Notice{Kind: KindLift, Sent: time.Date(2026, 12, 3, 16, 0, 0, 0, cst), Region: region, Level: spec,
		References: []Reference{a.Ref()}})
	if err != nil {
		t.Fatal(err)
	}
	if in := a.Infos[0]; in.Urgency != "Past" || in.Severity != "Minor" || in.Certainty != "Observed" || len(in.ResponseType) != 1 || in.ResponseType[0] != "AllClear" {
		t.Errorf("lift: %s/%s/%s %v", in.Urgency, in.Severity, in.Certainty, in.ResponseType)
	}
}

// TestPlanVocabularyIsCAP: the values a plan's cap block may use
// (alert.CAPEnumerations) are exactly the enumerations of the OASIS schema.
func TestPlanVocabularyIsCAP(t *testing.T) {
	xsd, err := os.ReadFile(filepath.Join("testdata", "CAP-v1.2.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	enumeration := regexp.MustCompile(`<enumeration value = "([^"]+)"/>`)
	for key, element := range map[string]string{"urgency": "urgency", "severity": "severity", "certainty": "certainty", "response_types": "responseType"} {
		start := bytes.Index(xsd, []byte(`<element name = "`+element+`"`))
		if start < 0 {
			t.Fatalf("no element %s in the schema", element)
		}
		body := xsd[start:]
		body = body[:bytes.Index(body, []byte("</simpleType>"))]
		var want []string
		for _, m := range enumeration.FindAllSubmatch(body, -1) {
			want = append(want, string(m[1]))
		}
		if got := alert.CAPEnumerations()[key]; !slices.Equal(got, want) {
			t.Errorf("%s: plan vocabulary %v, schema %v", key, got, want)
		}
	}
}

// TestBuildErrors: an update without references is refused, and so is a
// level without CAP grades (a hand-made level, not from a plan).
func TestBuildErrors(t *testing.T) {
	p := plan(t)
	l, _ := p.LevelByID("orange")
	if _, err := Build(sender, Notice{Kind: KindUpgrade, Sent: time.Now(), Level: *p.Spec(l)}); err == nil {
		t.Error("upgrade without references accepted")
	}
	if _, err := Build(sender, Notice{Kind: KindIssue, Sent: time.Now(), Level: alert.LevelSpec{ID: "grey"}}); err == nil ||
		!strings.Contains(err.Error(), `level "grey" has no CAP grades`) {
		t.Errorf("a level without grades: %v", err)
	}
	if _, err := Build(Sender{ID: "a b", DivisionCode: "431129", AgencyCode: "011"}, Notice{Kind: KindIssue, Sent: time.Now()}); err == nil {
		t.Error("sender with a space accepted")
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n%s", name, got)
	}
}

// validate runs xmllint against the OASIS schema in testdata.
func validate(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		msg := "xmllint not found; install it with: apt-get install -y libxml2-utils (or run `make test`)"
		if os.Getenv("CI") != "" || os.Getenv("AQWARN_REQUIRE_SERVERS") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	out, err := exec.Command(bin, "--noout", "--schema", filepath.Join("testdata", "CAP-v1.2.xsd"), path).CombinedOutput()
	if err != nil {
		t.Errorf("%s does not validate against CAP 1.2: %v\n%s", path, err, out)
	}
}

// TestSchemaRejectsZ: the validation is real — a time in Z fails it.
func TestSchemaRejectsZ(t *testing.T) {
	a := episode(t)[0]
	b, _ := a.XML()
	bad := bytes.Replace(b, []byte("2026-12-01T16:00:00+08:00"), []byte("2026-12-01T08:00:00Z"), 1)
	path := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", filepath.Join("testdata", "CAP-v1.2.xsd"), path).CombinedOutput()
	if err == nil {
		t.Fatalf("a time in Z validated:\n%s", out)
	}
}

// TestParseRoundTrip: a message read back writes the same bytes.
func TestParseRoundTrip(t *testing.T) {
	for _, a := range episode(t) {
		b, _ := a.XML()
		back, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := back.XML()
		if !bytes.Equal(b, b2) {
			t.Errorf("%s changed on a round trip", a.Identifier)
		}
	}
}

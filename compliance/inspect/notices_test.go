package inspect

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/notify"
)

// The inspecting unit is told of each open task on its external channels,
// never on MQTT (its retained warning tasks); the command office of each
// overdue one; nothing of a concluded one; the keys are stable, so the
// delivery log sends each once however often the job asks.
func TestNotices(t *testing.T) {
	now := at(30)
	units := []alert.Unit{
		{ID: "industry_it", NameZH: "县工信局", Channels: []alert.Channel{{Kind: notify.ChannelMQTT}, {Kind: "webhook", Target: "https://it.example/hook"}}},
		{ID: "office", NameZH: "指挥部办公室", Role: alert.UnitOffice, Channels: []alert.Channel{{Kind: "dingtalk", Target: "https://oapi.dingtalk.com/robot/send?access_token=x"}}},
		{ID: "housing", Channels: []alert.Channel{{Kind: "webhook", Target: "https://h.example"}}},
	}
	open := []Inspection{
		{ID: 1, Enterprise: "cem-c", NameZH: "江华丙水泥", Unit: "industry_it", Events: []string{"ce-1", "ce-2"}, Created: at(20), Due: at(44)},
		{ID: 2, Enterprise: "cast-b", NameZH: "江华乙铸造", Unit: "industry_it", Events: []string{"ce-3"}, Created: at(0), Due: at(24)},
		{ID: 3, Enterprise: "site-1", Unit: "housing", Created: at(0), Due: at(24), Conclusion: &Conclusion{At: at(10)}},
	}
	ds := Notices(open, units, "http://127.0.0.1:8080/inspect", now)
	var got []string
	for _, d := range ds {
		got = append(got, d.Message.Kind+" "+d.Recipient.Unit+" "+d.Channel.Kind)
		if d.Channel.Kind == notify.ChannelMQTT {
			t.Errorf("%s sent on MQTT", d.Key)
		}
		if d.Message.AckURL == "" || !strings.Contains(d.Message.HeadlineZH, "#") {
			t.Errorf("%s: %+v", d.Key, d.Message)
		}
	}
	want := []string{"inspection_task industry_it webhook", "inspection_task industry_it webhook", "inspection_overdue office dingtalk"}
	if !slices.Equal(got, want) {
		t.Errorf("deliveries %v, want %v", got, want)
	}
	again := Notices(open, units, "http://127.0.0.1:8080/inspect", now.Add(time.Hour))
	for i := range ds {
		if ds[i].Key != again[i].Key {
			t.Errorf("key %q changed to %q on the next run", ds[i].Key, again[i].Key)
		}
	}
	if ds[0].Key == ds[1].Key || ds[1].Key == ds[2].Key {
		t.Errorf("keys not distinct: %q %q %q", ds[0].Key, ds[1].Key, ds[2].Key)
	}
}

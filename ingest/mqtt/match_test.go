package mqtt

import "testing"

func TestTopicMatches(t *testing.T) {
	for _, c := range []struct {
		filter, topic string
		want          bool
	}{
		{"aq/stations/+/readings", "aq/stations/s1/readings", true},
		{"aq/stations/+/readings", "aq/stations/s1/hj212", false},
		{"aq/stations/+/readings", "aq/stations/s1/readings/x", false},
		{"aq/stations/+/readings", "aq/stations/readings", false},
		{"aq/stations/+/readings", "aq/stations//readings", true}, // an empty level is a level
		{"aq/stations/+/readings", "bq/stations/s1/readings", false},
		{"aq/forecasts/+", "aq/forecasts/county", true},
		{"aq/forecasts/+", "aq/forecasts", false},
		{"aq/#", "aq", true},
		{"aq/#", "aq/stations/s1/readings", true},
		{"aq/#", "aqx/stations", false},
		{"#", "anything/at/all", true},
		{"+", "one", true},
		{"+", "one/two", false},
		{"a/b", "a/b", true},
		{"a/b", "a/bc", false},
		{"a/b/c", "a/b", false},
	} {
		if got := TopicMatches(c.filter, c.topic); got != c.want {
			t.Errorf("TopicMatches(%q, %q) = %v, want %v", c.filter, c.topic, got, c.want)
		}
	}
}

func TestTopicMatchesDoesNotAllocate(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		TopicMatches("aq/stations/+/readings", "aq/stations/s1/readings")
	})
	if n != 0 {
		t.Errorf("TopicMatches allocates %v times per call", n)
	}
}

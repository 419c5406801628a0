package configs

import (
	"maps"
	"strings"
	"testing"
)

// The default configuration maps each demo station to the bundled station it replays.
func TestDemoSourcesDefault(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"tuojiang-1": "Dongsi", "shuikou-1": "Tiantan", "baimangying-1": "Guanyuan", "taoxu-1": "Wanliu"}
	if !maps.Equal(c.Demo.Sources, want) {
		t.Errorf("demo.sources = %v, want %v", c.Demo.Sources, want)
	}
}

// With the demo on, sources must name configured stations and a bundled
// station each, and there must be some; with it off they are not read.
func TestDemoSourcesChecked(t *testing.T) {
	base := "mqtt: {embedded: true}\n" +
		"stations: [{id: s1, name_zh: 站, name_en: S, region: jianghua, pollutants: [pm25]}]\nauth: {tokens: []}\n"
	for _, tc := range []struct {
		name, demo string
		want       []string
	}{
		{"unknown station", `demo: {enabled: true, sources: {s1: Dongsi, s9: Tiantan}}`, []string{`demo.sources: "s9" is not one of the stations`}},
		{"empty source", `demo: {enabled: true, sources: {s1: ""}}`, []string{`demo.sources: station "s1" names no bundled station`}},
		{"none", `demo: {enabled: true}`, []string{"demo.sources is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(base+tc.demo+"\n"), nil)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not name %q:\n%v", w, err)
				}
			}
		})
	}
	for _, demo := range []string{`demo: {enabled: true, sources: {s1: Dongsi}}`, `demo: {enabled: false, sources: {s9: ""}}`} {
		if _, err := Parse([]byte(base+demo+"\n"), nil); err != nil && strings.Contains(err.Error(), "demo.sources") {
			t.Errorf("%s: %v", demo, err)
		}
	}
}

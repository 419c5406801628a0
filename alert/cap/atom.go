package cap

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"time"
)

// FeedMeta describes the Atom feed.
type FeedMeta struct {
	ID      string // a stable URI, e.g. "tag:aqwarn,2024:jianghua/warnings"
	Title   string
	SelfURL string
	Author  string
	Updated time.Time // zero: the newest entry's time
}

// FeedEntry is one CAP message of the feed and where it is published.
type FeedEntry struct {
	Alert *Alert
	URL   string // the cap.xml address of the message
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomAuthor  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Summary string     `xml:"summary,omitempty"`
	Links   []atomLink `xml:"link"`
}

// Feed writes an Atom feed of CAP messages, newest first as given. Atom
// times (RFC 3339) also carry the +08:00 offset.
func Feed(m FeedMeta, entries []FeedEntry) ([]byte, error) {
	updated := m.Updated
	f := atomFeed{ID: m.ID, Title: m.Title, Author: atomAuthor{Name: m.Author},
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: m.SelfURL}}}
	for _, e := range entries {
		a := e.Alert
		sent, err := time.Parse(timeLayout, a.Sent)
		if err != nil {
			return nil, fmt.Errorf("atom: entry %s: %w", a.Identifier, err)
		}
		if sent.After(updated) && m.Updated.IsZero() {
			updated = sent
		}
		entry := atomEntry{ID: "urn:aqwarn:cap:" + a.Identifier, Updated: formatTime(sent),
			Links: []atomLink{{Rel: "alternate", Type: ContentType, Href: e.URL}}}
		if len(a.Infos) > 0 {
			entry.Title = a.Infos[0].Headline
			entry.Summary = a.Infos[0].Description
			if len(a.Infos) > 1 {
				entry.Summary += "\n" + a.Infos[1].Headline
			}
		}
		f.Entries = append(f.Entries, entry)
	}
	if updated.IsZero() {
		updated = time.Unix(0, 0)
	}
	f.Updated = formatTime(updated)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("atom: %w", err)
	}
	b.WriteString("\n")
	return b.Bytes(), nil
}

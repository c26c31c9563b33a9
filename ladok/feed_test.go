package ladok

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/golden"
	"github.com/edusync/edusync/internal/leakcheck"
)

// goldenEntry is what the golden file records of an entry.
type goldenEntry struct {
	ID          string
	Name        string
	Type        string
	HandelseUID string
	Updated     string
	Err         string `json:",omitempty"`
	Event       any    `json:",omitempty"`
	Raw         string `json:",omitempty"` // generic events only
}

func TestParseFeedGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/feed-mixed.xml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseFeed(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	out := struct {
		ID      string
		Updated string
		Links   []FeedLink
		Entries []goldenEntry
	}{ID: f.ID, Updated: f.Updated.Format(time.RFC3339), Links: f.Links}
	for _, e := range f.Entries {
		g := goldenEntry{ID: e.ID, Name: e.Name, Type: fmt.Sprintf("%T", e.Event), HandelseUID: e.HandelseUID, Event: e.Event}
		if !e.Updated.IsZero() {
			g.Updated = e.Updated.Format(time.RFC3339)
		}
		if e.Err != nil {
			g.Err = e.Err.Error()
		}
		if ge, ok := e.Event.(*GenericEvent); ok {
			g.Raw = string(ge.Raw)
			g.Event = map[string]any{"Element": ge.Element, "Header": ge.Header}
		}
		out.Entries = append(out.Entries, g)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	golden.Check(t, "testdata/feed-mixed.golden.json", got)
}

func TestParseFeedEntryTolerance(t *testing.T) {
	in, err := os.ReadFile("testdata/feed-mixed.xml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseFeed(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*Entry{}
	for i := range f.Entries {
		byID[f.Entries[i].ID] = &f.Entries[i]
	}
	// Entries whose decoding fails keep what can be known, and carry a typed error.
	if e := byID["e-4"]; e.Event != nil || !errors.As(e.Err, new(*EventError)) || e.HandelseUID != "h-4" || e.Name != "RegistreringEvent" {
		t.Errorf("bad number: %+v", e)
	}
	if strings.Contains(byID["e-4"].Err.Error(), "andra") {
		t.Error("error quotes the field value")
	}
	if e := byID[""]; e == nil || !errors.Is(e.Err, ErrNoEntryID) || e.Event != nil {
		t.Errorf("entry without id: %+v", e)
	}
	if e := byID["e-2"]; !errors.Is(e.Err, ErrNoEvent) {
		t.Errorf("entry without event: %+v", e)
	}
	// A suspension.
	r, ok := byID["e-10"].Event.(*StudentrestriktionEvent)
	if !ok || !r.IsSuspension() || !r.ActiveOn(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || r.ActiveOn(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("suspension: %+v", byID["e-10"].Event)
	}
	if last, ok, err := r.Ends(); err != nil || !ok || last.Format(time.DateOnly) != "2026-12-31" {
		t.Errorf("Ends = %v %v %v", last, ok, err)
	}
	// Raw is the event element exactly.
	if raw := string(byID["e-1"].Raw); !strings.HasPrefix(raw, "<sd:RegistreringEvent") || !strings.HasSuffix(raw, "</sd:RegistreringEvent>") {
		t.Errorf("Raw = %q", raw)
	}
}

func TestParseFeedRejectsBrokenPages(t *testing.T) {
	good := `<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:id:1</id><entry><id>a</id><content><x:AvbrottEvent xmlns:x="http://schemas.ladok.se/studiedeltagande"><x:StudentUID>s</x:StudentUID></x:AvbrottEvent></content></entry></feed>`
	if _, err := ParseFeed(strings.NewReader(good)); err != nil {
		t.Fatalf("good page: %v", err)
	}
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"not XML", "Internal Server Error"},
		{"cut in an entry", good[:len(good)/2]},
		{"cut before the end tag", strings.TrimSuffix(good, "</feed>")},
		{"not a feed", `<html><body>maintenance</body></html>`},
		{"feed in another namespace", `<feed xmlns="urn:other"></feed>`},
		{"two roots", good + good},
		{"text after the feed", good + "x"},
		{"mismatched tags", `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</entry></feed>`},
		{"undefined entity", `<feed xmlns="http://www.w3.org/2005/Atom"><id>&lol;</id></feed>`},
		{"doctype entity expansion", `<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><feed xmlns="http://www.w3.org/2005/Atom"><id>&b;</id></feed>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFeed(strings.NewReader(tc.in))
			var fe *FeedError
			if !errors.As(err, &fe) || f != nil {
				t.Fatalf("ParseFeed = %v, %v; want a *FeedError", f, err)
			}
		})
	}
}

// TestParseFeedErrorsHoldNoPageText: a page read outside the client (a payload from a queue,
// ladokfeed.DecodeEntry) is as hostile as one from Ladok, and the XML decoder's complaint names
// what it read: an element's name or an entity holding a personal number.
func TestParseFeedErrorsHoldNoPageText(t *testing.T) {
	for _, in := range []string{
		`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</id><content><Ev199001011234></content></entry></feed>`,
		`<feed xmlns="http://www.w3.org/2005/Atom"><id>&x19900101-1234;</id></feed>`,
		`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</id></entry></feed900101-1234>`,
	} {
		_, err := ParseFeed(strings.NewReader(in))
		if err == nil {
			t.Fatalf("%s: no error", in)
		}
		leakcheck.NoNumber(t, err.Error(), "199001011234")
		var se *xml.SyntaxError
		if !errors.As(err, new(*FeedError)) || errors.As(err, &se) {
			t.Errorf("%v: want a *FeedError that does not unwrap to the decoder's own error", err)
		}
	}
}

func TestParseFeedSizeCap(t *testing.T) {
	big := strings.NewReader("<feed>" + strings.Repeat(" ", DefaultMaxFeedPage) + "</feed>")
	if _, err := ParseFeed(big); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
}

func TestDeeplyNestedEventDoesNotHurt(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</id><content><x:RegistreringEvent xmlns:x="http://schemas.ladok.se/studiedeltagande">`)
	const depth = 50_000
	for range depth {
		b.WriteString("<x:Period>")
	}
	for range depth {
		b.WriteString("</x:Period>")
	}
	b.WriteString(`</x:RegistreringEvent></content></entry></feed>`)
	f, err := ParseFeed(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if e := f.Entries[0]; e.Err != nil || e.Event.(*RegistreringEvent).Period != 0 {
		t.Fatalf("entry = %+v", e)
	}
}

func TestDateTime(t *testing.T) {
	for in, want := range map[Date]string{"2026-09-14": "2026-09-14", "2026-09-14+02:00": "2026-09-14", "": "0001-01-01"} {
		got, err := in.Time()
		if err != nil || got.Format(time.DateOnly) != want {
			t.Errorf("Date(%q).Time() = %v, %v", in, got, err)
		}
	}
	if _, err := Date("14/9/2026").Time(); err == nil {
		t.Error("bad date accepted")
	}
}

func TestMarshalEventEscapesAndOrders(t *testing.T) {
	ev := &KursUppdateradEvent{Header: Header{HandelseUID: "h<1>"}, Kurskod: "A&B",
		Utbildningsinstansbas: Utbildningsinstansbas{Benamningar: Benamning{"sv": "Å & Ö", "en": "A <b>"}}}
	b, err := MarshalEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `<ui:KursUppdateradEvent xmlns:ui="http://schemas.ladok.se/utbildningsinformation" xmlns:base="http://schemas.ladok.se" xmlns:events="http://schemas.ladok.se/events">` +
		`<events:HandelseUID>h&lt;1&gt;</events:HandelseUID>` +
		`<ui:Benamningar><base:Benamning><base:Sprakkod>en</base:Sprakkod><base:Text>A &lt;b&gt;</base:Text></base:Benamning>` +
		`<base:Benamning><base:Sprakkod>sv</base:Sprakkod><base:Text>Å &amp; Ö</base:Text></base:Benamning></ui:Benamningar>` +
		`<ui:Kurskod>A&amp;B</ui:Kurskod></ui:KursUppdateradEvent>`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := MarshalEvent(nil); err == nil {
		t.Error("nil event marshalled")
	}
	if _, err := MarshalEvent(&GenericEvent{}); err == nil {
		t.Error("generic event without raw XML marshalled")
	}
}

func TestNewEventAndNames(t *testing.T) {
	names := TypedEventNames()
	if len(names) != 26 {
		t.Fatalf("%d typed events, want 26", len(names))
	}
	for _, n := range names {
		ev := NewEvent(n)
		if ev == nil || ev.Name() != n || ev.Namespace() != nsOf(n) {
			t.Errorf("NewEvent(%q) = %#v", n, ev)
		}
	}
	if NewEvent("NoSuchEvent") != nil {
		t.Error("NewEvent of an unknown name")
	}
}

// fuzzSeeds are small feed pages for the fuzz corpus.
var fuzzSeeds = []string{
	`<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:id:1</id><link rel="self" href="/handelser/feed/1"/><entry><id>a</id><content><x:RegistreringEvent xmlns:x="http://schemas.ladok.se/studiedeltagande"><x:HandelseUID>h</x:HandelseUID><x:Period>2</x:Period></x:RegistreringEvent></content></entry></feed>`,
	`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>b</id><content><y:Okant xmlns:y="urn:y"><y:A><y:B>1</y:B></y:A></y:Okant></content></entry><entry/></feed>`,
	`<feed><entry><id>c</id><content><KursUppdateradEvent><Benamningar><entry><key>sv</key><value>v</value></entry></Benamningar></KursUppdateradEvent></content></entry></feed>`,
	`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>d</id><content><z:ForvantatDeltagandeSkapadEvent xmlns:z="urn:z"><z:Perioddeltaganden><z:Perioddeltagande><z:Periodindex>x</z:Periodindex></z:Perioddeltagande></z:Perioddeltaganden></z:ForvantatDeltagandeSkapadEvent></content></entry></feed>`,
}

func FuzzParseFeed(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		feed, err := ParseFeed(bytes.NewReader(in))
		if err != nil {
			if feed != nil || !errors.As(err, new(*FeedError)) {
				t.Fatalf("error %T %v with feed %v", err, err, feed)
			}
			return
		}
		for _, e := range feed.Entries {
			if (e.Err == nil) == (e.Event == nil) {
				t.Fatalf("entry %q: Err %v and Event %v", e.ID, e.Err, e.Event)
			}
			if e.Event != nil && e.Event.Name() != e.Name {
				t.Fatalf("entry name %q, event name %q", e.Name, e.Event.Name())
			}
			if len(e.Raw) > 0 && !bytes.Contains(in, e.Raw) {
				t.Fatal("Raw is not a part of the input")
			}
		}
	})
}

// FuzzDecodeEntry fuzzes the event decoder alone: the input is the content of one entry.
func FuzzDecodeEntry(f *testing.F) {
	f.Add([]byte(`<x:RegistreringEvent xmlns:x="urn:x"><x:Period>1</x:Period><x:InomKurspaketeringstillfalle><x:UtbildningstypID>5</x:UtbildningstypID></x:InomKurspaketeringstillfalle></x:RegistreringEvent>`))
	f.Add([]byte(`<KursUppdateradEvent><Benamningar><Benamning><Sprakkod>sv</Sprakkod><Text>t</Text></Benamning></Benamningar><Versionsinformation><Versionsnummer>q</Versionsnummer></Versionsinformation></KursUppdateradEvent>`))
	f.Add([]byte(`<StudentrestriktionEvent><Giltighetsperiod><Startdatum>2026-01-01</Startdatum></Giltighetsperiod><EventContext><LarosateID>-1</LarosateID></EventContext></StudentrestriktionEvent>`))
	f.Add([]byte(`<ForvantatDeltagandeSkapadEvent><Senaredelmarkering>kanske</Senaredelmarkering></ForvantatDeltagandeSkapadEvent>`))
	f.Fuzz(func(t *testing.T, content []byte) {
		page := []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>e</id><content>`)
		page = append(page, content...)
		page = append(page, `</content></entry></feed>`...)
		feed, err := parseFeed(page)
		if err != nil {
			return // not well-formed: the page fails as a whole, which the reader retries
		}
		if len(feed.Entries) != 1 {
			t.Fatalf("%d entries", len(feed.Entries))
		}
		e := feed.Entries[0]
		if (e.Err == nil) == (e.Event == nil) {
			t.Fatalf("Err %v and Event %v", e.Err, e.Event)
		}
		if e.Event == nil {
			return
		}
		// Whatever decoded must survive MarshalEvent and decode to the same value again.
		b, err := MarshalEvent(e.Event)
		if err != nil {
			t.Fatal(err)
		}
		if _, generic := e.Event.(*GenericEvent); generic {
			return
		}
		again, err := parseFeed([]byte(`<feed><entry><id>e</id><content>` + string(b) + `</content></entry></feed>`))
		if err != nil {
			t.Fatalf("re-parsing MarshalEvent output: %v\n%s", err, b)
		}
		if diff := cmp.Diff(e.Event, again.Entries[0].Event); diff != "" {
			t.Fatalf("round trip changed the event (-first +second):\n%s", diff)
		}
	})
}

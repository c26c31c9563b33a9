package ladok

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/apiclient"
)

// The feed's well-known pages. The reader starts at one of them (or at a page href it saved)
// and from there only follows the links in the pages.
const (
	FeedRecent = "/handelser/feed/recent" // the page new events are added to
	FeedFirst  = "/handelser/feed/first"  // the oldest archive page
)

// FeedPageHref returns the href of archive page n, for a host that starts from a page number
// it knows (for example one Ladok support gave it).
func FeedPageHref(n int) string { return fmt.Sprintf("/handelser/feed/%d", n) }

// Link relations of the feed pages (RFC 5005 archived feeds).
const (
	RelSelf        = "self"
	RelPrevArchive = "prev-archive" // the next older page
	RelNextArchive = "next-archive" // the next newer page
	RelCurrent     = "current"      // the recent page
	RelVia         = "via"
)

// AtomNS is the Atom namespace.
const AtomNS = "http://www.w3.org/2005/Atom"

// MaxEntriesPerPage caps how many entries one page may hold; more is not a Ladok page.
const MaxEntriesPerPage = 100_000

// Feed is one page of Ladok's Atom event feed.
type Feed struct {
	// ID is the page's Atom id (Ladok: urn:id:N for page N).
	ID      string
	Updated time.Time
	Links   []FeedLink
	// Entries in document order: newest first, as Ladok lists them.
	Entries []Entry
}

// FeedLink is one link of a feed page.
type FeedLink struct {
	Rel, Href string
}

// Link returns the href of the first link with rel, or "".
func (f *Feed) Link(rel string) string {
	for _, l := range f.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// Entry is one entry of a feed page: one event.
type Entry struct {
	// ID is the Atom entry id.
	ID string
	// Event is the decoded event; nil when Err is set.
	Event Event
	// Err says why the entry could not be decoded (an *EventError, or a missing id or event).
	// The rest of the page decodes regardless; the reader hands such entries to the host.
	Err error
	// Name is the event element's local name, also when Err is set ("" if there is no event).
	Name string
	// HandelseUID is read even from entries that fail to decode, when present.
	HandelseUID string
	// Updated is the entry's Atom updated time (zero if missing or unreadable).
	Updated time.Time
	// Category is the entry's category term, Ladok's <namespace>/<event name>.
	Category string
	// Raw is the event element's XML (nil when there is none). It shares memory with the page.
	Raw []byte
}

// Errors of entries that have no decodable event at all.
var (
	ErrNoEntryID = errors.New("ladok: feed entry has no id")
	ErrNoEvent   = errors.New("ladok: feed entry has no event in its content")
)

// FeedError is a feed page that could not be read as a whole (not XML, cut off, too large).
// The reader retries such pages; a single bad entry never causes one.
type FeedError struct {
	Href string
	Err  error
}

// Error says which page could not be read and why.
func (e *FeedError) Error() string {
	if e.Href == "" {
		return "ladok: feed page: " + e.Err.Error()
	}
	return "ladok: feed page " + e.Href + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *FeedError) Unwrap() error { return e.Err }

// ParseFeed decodes one feed page from r (at most DefaultMaxFeedPage bytes). Entries that cannot
// be decoded have Err set and the rest of the page still decodes; an error is returned only
// when the page itself is unreadable.
func ParseFeed(r io.Reader) (*Feed, error) {
	b, err := io.ReadAll(io.LimitReader(r, DefaultMaxFeedPage+1))
	if err != nil {
		return nil, &FeedError{Err: err}
	}
	if len(b) > DefaultMaxFeedPage {
		return nil, &FeedError{Err: &BodyTooLargeError{Limit: DefaultMaxFeedPage, ContentLength: -1}}
	}
	f, err := parseFeed(b)
	var fe *FeedError
	if errors.As(err, &fe) {
		fe.Err = apiclient.Scrub(fe.Err) // the XML decoder quotes the page (an element's name)
	}
	return f, err
}

// parseFeed decodes a page held in b; entries' Raw slices point into b.
func parseFeed(b []byte) (*Feed, error) {
	p := feedParser{d: xml.NewDecoder(bytes.NewReader(b)), buf: b}
	f, err := p.feed()
	if err != nil {
		return nil, &FeedError{Err: err}
	}
	return f, nil
}

type feedParser struct {
	d   *xml.Decoder
	buf []byte
	t   tree
}

func (p *feedParser) token() (xml.Token, error) {
	tok, err := p.d.Token()
	if err == io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	return tok, err
}

func (p *feedParser) feed() (*Feed, error) {
	// The root element.
	for {
		tok, err := p.d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, errors.New("empty document")
			}
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "feed" || (se.Name.Space != AtomNS && se.Name.Space != "") {
				return nil, fmt.Errorf("root element is <%s>, not an Atom <feed>", se.Name.Local)
			}
			break
		}
	}
	f := &Feed{}
	for {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			// </feed>: nothing may follow but whitespace and comments.
			if err := p.trailer(); err != nil {
				return nil, err
			}
			return f, nil
		case xml.StartElement:
			switch t.Name.Local {
			case "id":
				if f.ID, err = p.text(); err != nil {
					return nil, err
				}
			case "updated":
				s, err := p.text()
				if err != nil {
					return nil, err
				}
				f.Updated, _ = time.Parse(time.RFC3339, s)
			case "link":
				f.Links = append(f.Links, FeedLink{Rel: attr(t, "rel"), Href: attr(t, "href")})
				if err := p.d.Skip(); err != nil {
					return nil, err
				}
			case "entry":
				if len(f.Entries) >= MaxEntriesPerPage {
					return nil, fmt.Errorf("more than %d entries", MaxEntriesPerPage)
				}
				e, err := p.entry()
				if err != nil {
					return nil, err
				}
				f.Entries = append(f.Entries, e)
			default:
				if err := p.d.Skip(); err != nil {
					return nil, err
				}
			}
		}
	}
}

// trailer reads what follows the root element: it must end the document.
func (p *feedParser) trailer() error {
	for {
		tok, err := p.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text after </feed>")
			}
		case xml.StartElement:
			return errors.New("element after </feed>")
		}
	}
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// text reads the text of the element just opened, up to its end.
func (p *feedParser) text() (string, error) {
	var sb strings.Builder
	depth := 0
	for {
		tok, err := p.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if depth == 0 {
				sb.Write(t)
			}
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth == 0 {
				return strings.TrimSpace(sb.String()), nil
			}
			depth--
		}
	}
}

// entry reads one <entry> after its start tag.
func (p *feedParser) entry() (Entry, error) {
	var e Entry
	var eventName xml.Name
	haveEvent := false
	for {
		tok, err := p.token()
		if err != nil {
			return e, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			switch {
			case e.ID == "":
				e.Err = ErrNoEntryID
			case !haveEvent:
				e.Err = ErrNoEvent
			default:
				e.Event, e.Err = decodeEvent(&p.t, eventName, e.Raw)
			}
			if e.Err != nil {
				e.Event = nil
			}
			return e, nil
		case xml.StartElement:
			switch t.Name.Local {
			case "id":
				if e.ID, err = p.text(); err != nil {
					return e, err
				}
			case "updated":
				s, err := p.text()
				if err != nil {
					return e, err
				}
				e.Updated, _ = time.Parse(time.RFC3339, s)
			case "category":
				e.Category = attr(t, "term")
				if err := p.d.Skip(); err != nil {
					return e, err
				}
			case "content":
				name, ok, err := p.content(&e)
				if err != nil {
					return e, err
				}
				if ok && !haveEvent {
					eventName, haveEvent = name, true
				}
			default:
				if err := p.d.Skip(); err != nil {
					return e, err
				}
			}
		}
	}
}

// content reads <content> after its start tag: the first element in it is the event, which is
// turned into p.t; further elements are skipped.
func (p *feedParser) content(e *Entry) (xml.Name, bool, error) {
	var name xml.Name
	found := false
	for {
		start := p.d.InputOffset()
		tok, err := p.token()
		if err != nil {
			return name, false, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return name, found, nil
		case xml.StartElement:
			if found {
				if err := p.d.Skip(); err != nil {
					return name, false, err
				}
				continue
			}
			if err := p.event(t); err != nil {
				return name, false, err
			}
			name, found = t.Name, true
			e.Name = t.Name.Local
			e.Raw = p.buf[start:p.d.InputOffset():p.d.InputOffset()]
			if h := p.t.child(0, "HandelseUID"); h >= 0 {
				e.HandelseUID = p.t.value(h)
			}
		}
	}
}

// event reads the event element (its start tag already read) into p.t.
func (p *feedParser) event(root xml.StartElement) error {
	p.t.reset()
	stack := make([]int32, 1, 16)
	stack[0] = p.t.open(-1, root.Name.Local)
	for len(stack) > 0 {
		tok, err := p.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, p.t.open(stack[len(stack)-1], t.Name.Local))
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			p.t.addText(stack[len(stack)-1], t)
		}
	}
	p.t.finish()
	return nil
}

// GetFeedPage fetches and decodes the feed page at href: FeedRecent, FeedFirst,
// FeedPageHref(n) or an href taken from a page's links. Hrefs to another host are refused
// (ErrForeignHref). A page larger than WithMaxFeedPage fails with a *BodyTooLargeError naming
// the cap, before it is read when its size is announced.
func (c *Client) GetFeedPage(ctx context.Context, href string) (*Feed, error) {
	resp, err := c.core.Do(ctx, request(http.MethodGet, "", href, nil, nil))
	if err != nil {
		return nil, err
	}
	where := c.core.Where(href)
	b, err := readFeed(resp, c.maxFeedPage)
	if err != nil {
		return nil, &FeedError{Href: where, Err: c.core.Scrub(err)}
	}
	f, err := parseFeed(b)
	if err != nil {
		var fe *FeedError
		if errors.As(err, &fe) {
			fe.Href, fe.Err = where, c.core.Scrub(fe.Err)
		}
		return nil, err
	}
	return f, nil
}

// readFeed reads a feed page of at most max bytes and closes it.
func readFeed(resp *http.Response, max int64) ([]byte, error) {
	defer resp.Body.Close()
	if resp.ContentLength > max {
		return nil, &BodyTooLargeError{Limit: max, ContentLength: resp.ContentLength}
	}
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 {
		buf.Grow(int(n) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, max+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > max {
		return nil, &BodyTooLargeError{Limit: max, ContentLength: -1}
	}
	return buf.Bytes(), nil
}

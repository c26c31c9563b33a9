package ladoktest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/edusync/edusync/ladok"
)

// feedState holds the feed: entries oldest first, each rendered once when appended, so
// serving a page is copying bytes.
type feedState struct {
	entries []feedEntry
}

type feedEntry struct {
	xml []byte // the whole <entry> element
}

// Append adds events to the feed, in order (the last is the newest), and returns their entry
// ids. An event without HandelseUID gets a fresh one, and without LarosateID the server's.
func (s *Server) Append(events ...ladok.Event) []string {
	ids := make([]string, 0, len(events))
	rendered := make([]feedEntry, 0, len(events))
	for _, ev := range events {
		h := ev.EventHeader()
		if h.HandelseUID == "" {
			h.HandelseUID = newUID()
		}
		if h.Context.LarosateID == 0 {
			h.Context.LarosateID = s.opts.larosateID
		}
		if h.Context.Anvandarnamn == "" {
			h.Context.Anvandarnamn = "ladoktest@example.se"
		}
		body, err := ladok.MarshalEvent(ev)
		if err != nil {
			panic("ladoktest: Append: " + err.Error())
		}
		id := newUID()
		ids = append(ids, id)
		rendered = append(rendered, renderEntry(id, ev.Namespace()+"/"+ev.Name(), s.opts.now(), body))
	}
	s.mu.Lock()
	s.feed.entries = append(s.feed.entries, rendered...)
	s.mu.Unlock()
	return ids
}

// AppendRaw adds an entry whose content is content as given (it must be well-formed XML or the
// whole page becomes unreadable, which is what a test of that wants). category is the entry's
// category term. It returns the entry id.
func (s *Server) AppendRaw(category string, content []byte) string {
	id := newUID()
	e := renderEntry(id, category, s.opts.now(), content)
	s.mu.Lock()
	s.feed.entries = append(s.feed.entries, e)
	s.mu.Unlock()
	return id
}

// AppendEntryXML adds a whole <entry> element as given, for tests of entries without an id or
// content.
func (s *Server) AppendEntryXML(entry []byte) {
	s.mu.Lock()
	s.feed.entries = append(s.feed.entries, feedEntry{xml: append([]byte(nil), entry...)})
	s.mu.Unlock()
}

func renderEntry(id, category string, updated time.Time, content []byte) feedEntry {
	var b bytes.Buffer
	b.Grow(len(content) + 300)
	b.WriteString(`<entry><category term="`)
	_ = xml.EscapeText(&b, []byte(category))
	b.WriteString(`" label="Händelsetyp"/><id>`)
	b.WriteString(id)
	b.WriteString(`</id><updated>`)
	b.WriteString(updated.UTC().Format(time.RFC3339Nano))
	b.WriteString(`</updated><content type="application/vnd.ladok+xml">`)
	b.Write(content)
	b.WriteString("</content></entry>\n")
	return feedEntry{xml: b.Bytes()}
}

// Len returns the number of entries in the feed.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.feed.entries)
}

// Pages returns the number of feed pages, the recent one included.
func (s *Server) Pages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pagesLocked()
}

func (s *Server) pagesLocked() int {
	n := (len(s.feed.entries) + s.opts.perPage - 1) / s.opts.perPage
	return max(n, 1)
}

// PageNumber returns the number of the page that holds the i-th entry (0 = oldest).
func (s *Server) PageNumber(i int) int { return s.opts.firstPage + i/s.opts.perPage }

// RecentPage returns the number of the recent page.
func (s *Server) RecentPage() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.firstPage + s.pagesLocked() - 1
}

// handleFeed serves /handelser/feed/{recent|first|N}: page N holds entries
// [(N-first)*perPage, (N-first+1)*perPage), newest first; the last page is the recent one.
func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var body []byte
	var ok bool
	switch id {
	case "recent":
		body, ok = s.page(-1, "https://"+r.Host)
	case "first":
		body, ok = s.page(s.opts.firstPage, "https://"+r.Host)
	default:
		n, err := strconv.Atoi(id)
		if err == nil {
			body, ok = s.page(n, "https://"+r.Host)
		}
	}
	if !ok {
		http.Error(w, "no such feed page", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", ladok.AtomMediaType+";charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// Page returns feed page n exactly as the server sends it (links on the server's URL), for
// tests and benchmarks of the parser; ok is false for a page that does not exist.
func (s *Server) Page(n int) (body []byte, ok bool) { return s.page(n, s.URL()) }

// page renders page n (-1: the recent page) with links under base.
func (s *Server) page(n int, base string) ([]byte, bool) {
	s.mu.Lock()
	pages := s.pagesLocked()
	k := pages - 1
	if n >= 0 {
		k = n - s.opts.firstPage
	}
	if k < 0 || k >= pages {
		s.mu.Unlock()
		return nil, false
	}
	lo := k * s.opts.perPage
	hi := min(lo+s.opts.perPage, len(s.feed.entries))
	entries := s.feed.entries[lo:hi:hi] // entries are never modified, only appended after
	s.mu.Unlock()

	href := base + "/handelser/feed/"
	num := s.opts.firstPage + k
	size := 600
	for _, e := range entries {
		size += len(e.xml)
	}
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<feed xmlns="http://www.w3.org/2005/Atom">`)
	fmt.Fprintf(&b, "<id>urn:id:%d</id><title>Ladok händelser</title><updated>%s</updated>", num, s.opts.now().UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, `<link rel="self" href="%s%d"/>`, href, num)
	fmt.Fprintf(&b, `<link rel="current" href="%srecent"/>`, href)
	if k > 0 {
		fmt.Fprintf(&b, `<link rel="prev-archive" href="%s%d"/>`, href, num-1)
	}
	if k < pages-1 {
		fmt.Fprintf(&b, `<link rel="next-archive" href="%s%d"/>`, href, num+1)
	}
	b.WriteByte('\n')
	for i := len(entries) - 1; i >= 0; i-- {
		b.Write(entries[i].xml)
	}
	b.WriteString("</feed>\n")
	return b.Bytes(), true
}

package apiclient

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseLinkHeader(t *testing.T) {
	const canvasStyle = `<https://c.example/api/v1/courses/1/enrollments?page=bookmark:WzEwXQ&per_page=100>; rel="current",` +
		`<https://c.example/api/v1/courses/1/enrollments?page=bookmark:WzIwXQ&per_page=100>; rel="next",` +
		`<https://c.example/api/v1/courses/1/enrollments?page=first&per_page=100>; rel="first"`
	cases := []struct {
		name   string
		values []string
		want   []Link
	}{
		{"canvas bookmarks, no last", []string{canvasStyle}, []Link{
			{"https://c.example/api/v1/courses/1/enrollments?page=bookmark:WzEwXQ&per_page=100", []string{"current"}},
			{"https://c.example/api/v1/courses/1/enrollments?page=bookmark:WzIwXQ&per_page=100", []string{"next"}},
			{"https://c.example/api/v1/courses/1/enrollments?page=first&per_page=100", []string{"first"}},
		}},
		{"spaces and unquoted rel", []string{` <https://x/a?page=2> ;rel=next , <https://x/a?page=9>; rel = last`}, []Link{
			{"https://x/a?page=2", []string{"next"}}, {"https://x/a?page=9", []string{"last"}},
		}},
		{"several rel values, upper case", []string{`<https://x/p2>; rel="NEXT prefetch"`}, []Link{{"https://x/p2", []string{"next", "prefetch"}}}},
		{"comma and semicolon inside quotes and URL", []string{`<https://x/a?ids=1,2;3>; title="a, b; c"; rel="next"`}, []Link{
			{"https://x/a?ids=1,2;3", []string{"next"}},
		}},
		{"escaped quote in a parameter", []string{`<https://x/1>; title="say \"hi\", ok"; rel="next"`}, []Link{{"https://x/1", []string{"next"}}}},
		{"several header lines", []string{`<https://x/1>; rel="current"`, `<https://x/2>; rel="next"`}, []Link{
			{"https://x/1", []string{"current"}}, {"https://x/2", []string{"next"}},
		}},
		{"entry without rel is skipped", []string{`<https://x/1>; title="t", <https://x/2>; rel="next"`}, []Link{{"https://x/2", []string{"next"}}}},
		{"garbage before an entry", []string{`junk, <https://x/2>; rel="next"`}, []Link{{"https://x/2", []string{"next"}}}},
		{"unterminated URL", []string{`<https://x/2; rel="next"`}, nil},
		{"empty", []string{""}, nil},
		{"first rel wins", []string{`<https://x/2>; rel="next"; rel="last"`}, []Link{{"https://x/2", []string{"next"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ParseLinkHeader(c.values...)
			if d := cmp.Diff(c.want, got); d != "" {
				t.Fatalf("ParseLinkHeader (-want +got):\n%s", d)
			}
		})
	}
}

func TestNextLink(t *testing.T) {
	cases := []struct {
		header string
		want   string
	}{
		{`<https://x/1>; rel="current",<https://x/2>; rel="next",<https://x/1>; rel="first"`, "https://x/2"},
		{`<https://x/1>; rel="current",<https://x/1>; rel="first",<https://x/1>; rel="last"`, ""},
		{"", ""},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.header != "" {
			h.Set("Link", c.header)
		}
		if got := NextLink(h); got != c.want {
			t.Errorf("NextLink(%q) = %q, want %q", c.header, got, c.want)
		}
	}
}

func TestParseLinkHeaderCapped(t *testing.T) {
	huge := strings.Repeat(`<https://x/1>; rel="prev", `, 10_000) + `<https://x/2>; rel="next"`
	if got := NextLink(http.Header{"Link": {huge}}); got != "" {
		t.Fatalf("a next link beyond the parsing cap was found: %q", got)
	}
}

// FuzzParseLinkHeader checks that no header makes the parser panic or return a link without
// a URL or relation.
func FuzzParseLinkHeader(f *testing.F) {
	for _, s := range []string{
		`<https://c.example/api/v1/x?page=bookmark:WzEwXQ&per_page=100>; rel="next",<https://c.example/x?page=first>; rel="first"`,
		`<a>; rel=next`, `<a>;rel="next last"`, `<a>; title="x,y"; rel="next"`, `<a>; t="\"`, `<`, `"`, `,,,;;;<>`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, l := range ParseLinkHeader(s) {
			if l.URL == "" || len(l.Rel) == 0 {
				t.Fatalf("link %+v from %q", l, s)
			}
		}
	})
}

// A Link URL is followed only to the API's own host; default ports and the case of the host
// name do not make a host foreign, another port, host or scheme does, and so does a URL that is
// not absolute.
func TestLinkPagingStaysOnTheAPIsHost(t *testing.T) {
	c, err := New(Config{Name: "test", BaseURL: "https://Canvas.Example.edu/api/v1"})
	if err != nil {
		t.Fatal(err)
	}
	first := &Request{Path: "/x"}
	for next, ok := range map[string]bool{
		"https://canvas.example.edu/api/v1/x?page=2":            true,
		"https://canvas.example.edu:443/api/v1/x?page=2":        true,
		"HTTPS://CANVAS.EXAMPLE.EDU/api/v1/x":                   true,
		"https://canvas.example.edu:8443/api/v1/x":              false,
		"http://canvas.example.edu/api/v1/x":                    false,
		"https://canvas.example.edu.evil.example/api/v1/x":      false,
		"https://evil.example/api/v1/x?host=canvas.example.edu": false,
		"/api/v1/x?page=2":                                      false,
	} {
		r, err := LinkPaging()(first, &PageInfo{Header: http.Header{"Link": {"<" + next + `>; rel="next"`}}})
		if err == nil {
			_, err = c.NewRequest(t.Context(), r)
		}
		if (err == nil) != ok {
			t.Errorf("next %q: err %v, want ok %v", next, err, ok)
		}
		if err != nil && strings.HasPrefix(next, "http") && !strings.Contains(err.Error(), "not to the API's host") {
			t.Errorf("next %q: error %q does not say why", next, err)
		}
	}
}

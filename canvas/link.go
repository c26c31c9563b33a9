package canvas

import (
	"net/http"

	"github.com/edusync/edusync/internal/apiclient"
)

// Link is one entry of an RFC 8288 Link header: a target URL and its relation types.
type Link struct {
	// URL is the target exactly as the server wrote it, to be requested as is.
	URL string
	// Rel holds the relation types, lower case (next, prev, first, last, current).
	Rel []string
}

// HasRel reports whether l has relation type rel (compared case-insensitively).
func (l Link) HasRel(rel string) bool { return apiclient.Link{URL: l.URL, Rel: l.Rel}.HasRel(rel) }

// ParseLinkHeader parses the values of one or more Link headers, as the client does for its
// paging. It is lenient the way a client of many servers must be: entries it cannot read are
// skipped, quoted parameter values may contain commas and semicolons, and URLs are returned
// exactly as written (opaque), never rebuilt. It never fails; a header with no readable entry
// gives nil.
func ParseLinkHeader(values ...string) []Link {
	var out []Link
	for _, l := range apiclient.ParseLinkHeader(values...) {
		out = append(out, Link{URL: l.URL, Rel: l.Rel})
	}
	return out
}

// NextLink returns the URL of the rel="next" link in h's Link headers, or "" on the last page.
func NextLink(h http.Header) string { return apiclient.NextLink(h) }

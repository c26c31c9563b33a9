// Package noark5test is an in-memory Noark 5 archive serving the tjenestegrensesnitt that
// package noark5 talks to, for the tests of flows that file records (the thesis archive) and
// for the sandbox.
//
//	srv := noark5test.NewServer()
//	defer srv.Close()
//	c, _ := srv.Client() // a *noark5.Client with the fake's bearer token
//
// # Manners
//
//   - Discovery from the root's _links (HAL form) to arkivstruktur, one series (DefaultSeries)
//     holding case files, registrations, document descriptions and document objects, each with
//     its self, child-listing and ny-* links.
//   - GET on a ny-* link answers a template with defaults; POST there creates, with the media
//     type application/vnd.noark5+json required (415), tittel, tilknyttetRegistreringSom,
//     versjonsnummer, variantformat and a SHA-256 sjekksum checked (400), and a skjerming that
//     lacks its code or legal basis refused.
//   - ETags on every entity: PUT needs If-Match (428) and a stale one is 412; DELETE with a
//     stale If-Match is 412 and takes the entity's children with it.
//   - Listings page with $top and $skip and a next link (WithPageSize); $filter reads the source
//     key (noark5.SourceKeyFilter) and refuses anything else.
//   - Files: a POST to an object's fil link takes the whole file; with X-Upload-Content-Length it
//     opens an upload session, whose chunks are PUT with Content-Range and answered 308 until
//     the last. The bytes are hashed as they arrive and never kept: a file whose size or SHA-256
//     differs from the object's declaration is refused (400) and the object stays without one.
//   - Bearer-token authentication (WithToken), faults through the fake kit (SetFaults with the
//     operation ids root, arkivstruktur, list, get, update, delete, related, create,
//     uploadChunk, cancelUpload), Stats.
//
// Archive returns what the archive holds, Writes every write tried, Sessions the open uploads.
package noark5test

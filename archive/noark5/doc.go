// Package noark5 is a client of the Noark 5 tjenestegrensesnitt (service interface, version
// 1.1), the REST interface Norwegian public archives (Noark 5 systems) offer for filing case
// files, registrations and documents. The thesis archive (package archive) delivers through it;
// any flow that files records in a Noark 5 archive can.
//
//	c, err := noark5.New("https://arkiv.example.no/noark5v5", noark5.WithTokenSource(ts))
//	part, err := c.FindArkivdel(ctx, "Masteroppgaver")
//	m, err := c.CreateMappe(ctx, part.Links, &noark5.Mappe{Tittel: "..."})
//
// # Hypermedia
//
// The interface is driven by links: an answer's _links name relations (keys under RelBase,
// such as RelNyMappe) and where they point, and the client follows only those, never builds a
// path. Discover reads the root and the arkivstruktur package once. Entities are JSON of media
// type application/vnd.noark5+json (MediaType), with the Noark 5 field names (tittel,
// offentligTittel, skjerming, kassasjon, sjekksum ...) and code lists as {kode, kodenavn}.
//
// # Creating
//
// A create first GETs the ny-* link, whose answer is a template with the archive's defaults
// (codes, dates, the series' screening), lays the caller's non-empty fields over it and POSTs
// the result there; the answer is the entity with its systemID, links and ETag. Creations are
// not retried after a lost answer: the caller finds what it made by the source key it stored
// in virksomhetsspesifikkeMetadata (WithSourceKey, FindRegistrering, FindMappe) before making
// it again. Updates (PUT) and deletions carry the ETag read in If-Match and fail with ErrStale
// when the entity changed meanwhile.
//
// # Files
//
// A document object declares its file's size, SHA-256 and media type before the file is sent
// (CreateDokumentobjekt), and Upload sends the bytes: small files in one POST to the object's
// fil link, larger ones in chunks with Content-Range through an upload session (WithChunking),
// holding one chunk in memory. Upload hashes what it reads and never lets a file that does not
// match its declaration through (ErrChecksum); an abandoned session is cancelled.
//
// # What is inferred
//
// The service interface's JSON rendition is described in prose, not in a machine-readable file:
// the HAL form of _links (a list of {rel, href} is read too), {kode, kodenavn} for codes, the
// collection form {results, count, _links.next}, the OData $filter on a path into
// virksomhetsspesifikkeMetadata (SourceKeyFilter), and the upload session's 308 answers follow
// the specification's text and the reference implementation's manners; an archive that differs
// is adapted here.
//
// # Errors and privacy
//
// Non-2xx answers are *APIError matching ErrNotFound, ErrBadRequest, ErrConflict (and ErrStale
// for 412) and the other sentinels; a missing relation is a *MissingLinkError. Tokens and
// identity numbers are masked in every error and log line; titles are never logged.
//
// noark5test is an in-memory archive with the same manners, for tests.
package noark5

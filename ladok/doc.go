// Package ladok is a client for Ladok3, the student-records system of Swedish universities: its
// REST services (students, catalogue, education and participation information) and its Atom
// event feed, through which universities learn about admissions, registrations, suspensions
// and course changes.
//
// # Connecting
//
// Ladok is reached only over TLS with a client certificate that Ladok issues to the
// integration; the certificate's OU names the environment (Prod-API, Test-API, Int-test-API),
// and BaseURLFor derives the API URL from it, so a host configured with a certificate cannot
// talk to the wrong environment:
//
//	creds, _ := ladok.LoadPEM("integration.pem")            // or ParsePKCS12(data, pw, decoder)
//	url, _ := creds.BaseURL()                               // https://api.test.ladok.se for Test-API
//	client, _ := ladok.New(url, ladok.WithCredentials(creds))
//	health, _ := client.Health(ctx)                         // user, certificate expiry, latency
//
// PKCS#12 files are read through a PKCS12Decoder (software.sslmate.com/src/go-pkcs12's
// DecodeChain fits), so the package pins no PKCS#12 implementation. CertificateExpiry tells
// when the certificate must be renewed.
//
// # REST resources
//
// The models (Student, Kontaktuppgifter, Organisation, Period, Utbildningstillfalle,
// Utbildningsinstans, Tillfallesdeltagande, Deltagare, ...) are generated from
// openapi/ladok.yaml, edusync's own description of the resources, with oapi-codegen. Each
// service answers only in its vendor media type (MediaType); the client sends the right Accept
// header per call. Searches page with page and limit and are only stable with an explicit
// order, so the iterators (SearchOrganisations, SearchUtbildningstillfallen, SearchDeltagare)
// always send one, skip records repeated across pages, and yield a *RecordError for a record
// that does not decode instead of failing the page. Errors are *APIError values carrying
// Ladok's Felgrupp, Detaljkod, Meddelande and FelUID, matching ErrNotFound and the other
// sentinels with errors.Is. Personal numbers are validated before they are sent and never
// reach logs or errors.
//
// # The event feed
//
// The feed lives at /handelser/feed/{recent|first|N}. Each page lists its entries newest
// first and links to the next older page (prev-archive) and the next newer one (next-archive).
// ParseFeed decodes one page with encoding/xml in a single pass: each entry's event becomes
// one of 26 typed events (RegistreringEvent, StudentrestriktionEvent, KursUppdateradEvent, ...)
// or, for the other event types Ladok publishes and any it adds later, a *GenericEvent with
// its name, namespace, HandelseUID and raw XML; nothing is dropped. Fields are matched by local
// name, so producers' prefixes do not matter, and unknown fields are ignored. An entry that
// cannot be decoded gets Err and no Event; the rest of the page decodes regardless. Pages are
// capped in size and the decoder does not recurse on input, so hostile pages cannot exhaust
// the process.
//
// A suspension is a StudentrestriktionEvent with Restriktionstyp AVSTANGNING and a validity
// period; Ladok sends no event when it ends, so hosts schedule the end themselves (Ends).
//
// # Reading the feed without losing events
//
// Reader hands every entry to a Handler, oldest first across and within pages. Its position
// (the href of the page being read and the last handled entry) and the keys of the processed
// entries (entry id and HandelseUID) are kept in package store (NewStoreState over
// store.OpenSQLite in production, store.NewMemory in tests) and committed in one transaction,
// after the handler has succeeded, once per page or every n entries (WithCommitEvery):
//
//	st, _ := store.OpenSQLite(ctx, "/var/lib/edusync/state.db")
//	reader, _ := ladok.NewReader(client, ladok.NewStoreState(st), handle)
//	err := reader.Run(ctx)
//
// So:
//
//   - a handler failure stops the reader with the position just before the failed entry, and
//     the next run starts with that entry;
//   - an entry seen again (the same entry, or the same HandelseUID under a new entry id) is
//     recognised and skipped;
//   - from any position, however old, the reader follows next-archive page by page and never
//     skips one; it never builds archive URLs itself, only follows the hrefs in the pages, and
//     refuses hrefs to another host;
//   - pages that fail (network, 5xx, cut-off bodies) are fetched again with backoff;
//   - if the saved entry is no longer on the saved page (the page was archived under another
//     href), the reader looks for it on the pages before; if it is nowhere, it stops with
//     ErrPositionLost rather than guess.
//
// Delivery is at least once: handlers must be idempotent. Lag and WithProgress report how far
// behind the reader is (pages, and the age of the newest handled event). While the handler
// works through a page, the next page is already being fetched and decoded.
//
// The package ladoktest provides a fake Ladok (mutual TLS with a test CA, REST resources, the
// feed with archive pages, faults, synth populations) for tests, benchmarks and the sandbox.
package ladok

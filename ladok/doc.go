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
// header per call. Single reads are Get calls (GetStudent, GetStudentByPersonnummer,
// GetUtbildningstillfalle, ...). Searches page with page and limit and are only stable with an
// explicit order, so the iterators (SearchOrganisations, SearchUtbildningstillfallen,
// SearchDeltagare) always send one, decode each page record by record as it arrives, skip
// records repeated across pages, yield a *RecordError for a record that does not decode instead
// of failing the page (WithStrict fails it), and end a search whose pages never end with an
// error matching ErrPageCycle. Errors are package apierror's, shared by every edusync client:
// *APIError values carry Ladok's Felgrupp, Detaljkod, Meddelande and FelUID and match
// ErrNotFound and the other sentinels with errors.Is. Personal numbers are validated before they
// are sent and never reach logs or errors, not in a failed connection's message either.
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
// the process. GetFeedPage fetches one page; a page over WithMaxFeedPage fails with a
// *BodyTooLargeError naming the cap, and an href to another host is refused (ErrForeignHref).
//
// A suspension is a StudentrestriktionEvent with Restriktionstyp AVSTANGNING and a validity
// period; Ladok sends no event when it ends, so hosts schedule the end themselves (Ends).
//
// # Reading the feed
//
// Package ladokfeed reads the feed durably: a Reader that hands every entry to a handler,
// oldest first, never skips a page, stops when archive links lead back to a page it read, and
// keeps its position in package store. It lives apart so that importing this client pulls in no
// state backend.
//
// The package ladoktest provides a fake Ladok (mutual TLS with a test CA, REST resources, the
// feed with archive pages, faults, synth populations) for tests, benchmarks and the sandbox.
package ladok
